// Opening a board: calls the host/join/reopen command, makes the store from its answer, then opens the bridge
// channel that feeds the store from there on.

import { Channel } from "@tauri-apps/api/core";
import {
  commands,
  type BridgeMessage,
  type CommandError,
  type MemberId,
  type OpenedBoard,
  type RecentKey,
} from "../bindings";
import { BoardStore, type Result } from "./boardStore";
import { toCommandError } from "./errors";

/** `fingerprint`: the host certificate the person confirmed (trust on first use), when the app asked. */
export type OpenRequest =
  | { kind: "host"; boardName: string; memberName: string }
  | {
      kind: "join";
      roomCode: string;
      memberName: string;
      address: string;
      fingerprint?: string | null;
      /** The address came from discovery: the host's certificate must make the code's tag. */
      discovered?: boolean;
    }
  | { kind: "recent"; key: RecentKey; fingerprint?: string | null };

export interface SessionHooks {
  onError: (error: CommandError) => void;
  onRemoved: (store: BoardStore) => void;
  /** The board moved to another computer: follow it there. */
  onMoved: (store: BoardStore, host: MemberId) => void;
}

/** The open command for a request; it answers the board to paint. */
function open(request: OpenRequest): Promise<Result<OpenedBoard>> {
  switch (request.kind) {
    case "host":
      return commands.hostBoard(request.boardName, request.memberName);
    case "join":
      return commands.joinBoard(
        request.roomCode,
        request.memberName,
        request.address,
        request.fingerprint ?? null,
        request.discovered ?? false,
      );
    case "recent":
      return commands.openRecent(request.key, request.fingerprint ?? null);
  }
}

/**
 * Opens a board: the store starts from the snapshot the open command answers, then the bridge sends what
 * happened after it (each next event, or a fresh snapshot), so nothing arrives before the store exists.
 */
export async function openBoard(request: OpenRequest, hooks: SessionHooks): Promise<Result<BoardStore>> {
  let opened: Result<OpenedBoard>;
  try {
    opened = await open(request);
  } catch (thrown) {
    opened = { status: "error", error: toCommandError(thrown) };
  }
  if (opened.status === "error") return opened;
  const store: BoardStore = new BoardStore(opened.data, {
    onError: hooks.onError,
    onRemoved: () => hooks.onRemoved(store),
    onMoved: (host) => hooks.onMoved(store, host),
  });
  const channel = new Channel<BridgeMessage>();
  channel.onmessage = store.receive;
  // The channel stays registered in the window until the app ends it; it must not keep a left board alive.
  store.onDetach(() => (channel.onmessage = () => {}));
  // The board paints from the snapshot while the bridge starts (one round trip less before the first frame); what
  // happened after the snapshot comes on the channel either way. It fails only if the board was closed meanwhile.
  commands.watchBoard(opened.data.snapshot.seq, channel).then(
    (watching) => {
      if (watching.status === "error") hooks.onError(watching.error);
    },
    (thrown) => hooks.onError(toCommandError(thrown)),
  );
  return { status: "ok", data: store };
}
