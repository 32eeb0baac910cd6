// Opening a board: creates the store, the bridge channel that feeds it, and calls the host/join/reopen command.

import { Channel } from "@tauri-apps/api/core";
import { commands, type BoardId, type BridgeMessage, type CommandError, type Snapshot } from "../bindings";
import { BoardStore, type Result } from "./boardStore";

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
  | { kind: "recent"; boardId: BoardId; fingerprint?: string | null };

export interface SessionHooks {
  onError: (error: CommandError) => void;
  onRemoved: (store: BoardStore) => void;
}

async function snapshot(): Promise<Snapshot> {
  const result = await commands.boardSnapshot();
  if (result.status === "error") throw result.error;
  return result.data;
}

/** Opens a board; on success the store is loaded and receiving the bridge's messages. */
export async function openBoard(request: OpenRequest, hooks: SessionHooks): Promise<Result<BoardStore>> {
  const store: BoardStore = new BoardStore({
    resync: snapshot,
    onError: hooks.onError,
    onRemoved: () => hooks.onRemoved(store),
  });
  const channel = new Channel<BridgeMessage>();
  channel.onmessage = store.receive;
  let result;
  try {
    switch (request.kind) {
      case "host":
        result = await commands.hostBoard(request.boardName, request.memberName, channel);
        break;
      case "join":
        result = await commands.joinBoard(
          request.roomCode,
          request.memberName,
          request.address,
          request.fingerprint ?? null,
          request.discovered ?? false,
          channel,
        );
        break;
      case "recent":
        result = await commands.openRecent(request.boardId, request.fingerprint ?? null, channel);
        break;
    }
  } catch (thrown) {
    result = {
      status: "error" as const,
      error: { code: "internal", message: thrown instanceof Error ? thrown.message : String(thrown) },
    };
  }
  if (result.status === "error") {
    store.detach();
    return result;
  }
  store.load(result.data);
  return { status: "ok", data: store };
}
