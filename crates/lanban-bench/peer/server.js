// The peer lanban-bench measures Lanban against, side by side: the stack a team would otherwise reach for to serve
// a live board (Express 5 + socket.io 4 + better-sqlite3 12, SQLite in WAL mode), written the way such a server
// usually is. It serves the same work as `lanban-bench fanout` puts on Lanban: boards joined by room code, card
// creations sent with an Idempotency-Key and written in one transaction with their event, the event emitted to the
// board's room once the transaction has committed, each member's socket told the board's seq when it connects.
// It is a measuring stick, not part of Lanban: nothing else uses it.
//
//   node server.js --data DIR [--synchronous normal|full] [--port 0]     prints `listening on http://127.0.0.1:PORT`
//
// HTTP (JSON bodies; `Authorization: Bearer <member token>` where a member acts):
//   POST /boards                      {title, name}        -> 201 {board, column, token, room_code}
//   POST /join                        {room_code, name}    -> 201 {board, token}
//   POST /columns/:column/cards       {title}, Idempotency-Key -> 201 the card (the same answer again for a key sent twice)
// socket.io (the websocket transport, `auth: {token}`): joins the member's board room and emits
//   "m" {type: "hello", seq} on connecting and "m" {type: "event", seq, kind: "card.created", data: card} per card.

'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { parseArgs } = require('node:util');

const Database = require('better-sqlite3');
const express = require('express');
const { Server } = require('socket.io');

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    synchronous: { type: 'string', default: 'normal' },
    port: { type: 'string', default: '0' },
  },
});
if (!args.data) {
  console.error('usage: node server.js --data DIR [--synchronous normal|full] [--port 0]');
  process.exit(2);
}
const synchronous = args.synchronous.toUpperCase();
if (!['NORMAL', 'FULL'].includes(synchronous)) {
  console.error('--synchronous is normal or full');
  process.exit(2);
}
fs.mkdirSync(args.data, { recursive: true });

const db = new Database(path.join(args.data, 'peer.db'));
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${synchronous}`);
db.pragma('foreign_keys = ON');
db.exec(`
  CREATE TABLE IF NOT EXISTS boards (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, room_code TEXT NOT NULL UNIQUE, seq INTEGER NOT NULL DEFAULT 0);
  CREATE TABLE IF NOT EXISTS members (
    id TEXT PRIMARY KEY, token TEXT NOT NULL UNIQUE, board_id TEXT NOT NULL REFERENCES boards(id), name TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS columns (
    id TEXT PRIMARY KEY, board_id TEXT NOT NULL REFERENCES boards(id), title TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS cards (
    id TEXT PRIMARY KEY, column_id TEXT NOT NULL REFERENCES columns(id), title TEXT NOT NULL,
    position INTEGER NOT NULL, created_by TEXT NOT NULL REFERENCES members(id), created_at TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS cards_by_column ON cards(column_id, position);
  CREATE TABLE IF NOT EXISTS events (
    board_id TEXT NOT NULL REFERENCES boards(id), seq INTEGER NOT NULL, kind TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (board_id, seq));
  CREATE TABLE IF NOT EXISTS kept_answers (
    member_id TEXT NOT NULL, key TEXT NOT NULL, answer TEXT NOT NULL, PRIMARY KEY (member_id, key));
`);

const sql = {
  insertBoard: db.prepare('INSERT INTO boards (id, title, room_code) VALUES (?, ?, ?)'),
  insertMember: db.prepare('INSERT INTO members (id, token, board_id, name) VALUES (?, ?, ?, ?)'),
  insertColumn: db.prepare('INSERT INTO columns (id, board_id, title) VALUES (?, ?, ?)'),
  boardByCode: db.prepare('SELECT id FROM boards WHERE room_code = ?'),
  memberByToken: db.prepare('SELECT id, board_id AS boardId, name FROM members WHERE token = ?'),
  column: db.prepare('SELECT board_id AS boardId FROM columns WHERE id = ?'),
  keptAnswer: db.prepare('SELECT answer FROM kept_answers WHERE member_id = ? AND key = ?'),
  keepAnswer: db.prepare('INSERT INTO kept_answers (member_id, key, answer) VALUES (?, ?, ?)'),
  nextPosition: db.prepare('SELECT COALESCE(MAX(position), 0) + 1 AS position FROM cards WHERE column_id = ?'),
  insertCard: db.prepare(
    'INSERT INTO cards (id, column_id, title, position, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
  nextSeq: db.prepare('UPDATE boards SET seq = seq + 1 WHERE id = ? RETURNING seq'),
  insertEvent: db.prepare('INSERT INTO events (board_id, seq, kind, data) VALUES (?, ?, ?, ?)'),
  boardSeq: db.prepare('SELECT seq FROM boards WHERE id = ?'),
};

const createBoard = db.transaction((title, name) => {
  const board = crypto.randomUUID();
  const column = crypto.randomUUID();
  const token = crypto.randomBytes(24).toString('base64url');
  const roomCode = crypto.randomBytes(6).toString('hex');
  sql.insertBoard.run(board, title, roomCode);
  sql.insertMember.run(crypto.randomUUID(), token, board, name);
  sql.insertColumn.run(column, board, 'Doing');
  return { board, column, token, room_code: roomCode };
});

/// The card and its event, or the answer kept for the key; `null` for a column not on the member's board.
const createCard = db.transaction((member, columnId, title, key) => {
  const kept = sql.keptAnswer.get(member.id, key);
  if (kept) return { card: JSON.parse(kept.answer), event: null };
  const column = sql.column.get(columnId);
  if (!column || column.boardId !== member.boardId) return null;
  const card = {
    id: crypto.randomUUID(),
    column_id: columnId,
    title,
    position: sql.nextPosition.get(columnId).position,
    created_by: member.id,
    created_at: new Date().toISOString(),
  };
  sql.insertCard.run(card.id, card.column_id, card.title, card.position, card.created_by, card.created_at);
  const { seq } = sql.nextSeq.get(member.boardId);
  const event = { type: 'event', seq, kind: 'card.created', data: card };
  sql.insertEvent.run(member.boardId, seq, event.kind, JSON.stringify(card));
  sql.keepAnswer.run(member.id, key, JSON.stringify(card));
  return { card, event };
});

function text(value, max) {
  return typeof value === 'string' && value.trim().length > 0 && value.length <= max ? value : null;
}

function memberOf(req) {
  const header = req.get('authorization') || '';
  return header.startsWith('Bearer ') ? sql.memberByToken.get(header.slice(7)) : undefined;
}

const app = express();
app.use(express.json({ limit: '64kb' }));

app.post('/boards', (req, res) => {
  const title = text(req.body?.title, 200);
  const name = text(req.body?.name, 100);
  if (!title || !name) return res.status(400).json({ code: 'invalid', message: 'title and name are required' });
  res.status(201).json(createBoard(title, name));
});

app.post('/join', (req, res) => {
  const name = text(req.body?.name, 100);
  const board = typeof req.body?.room_code === 'string' ? sql.boardByCode.get(req.body.room_code) : undefined;
  if (!name || !board) return res.status(404).json({ code: 'not_found', message: 'no board has that room code' });
  const token = crypto.randomBytes(24).toString('base64url');
  sql.insertMember.run(crypto.randomUUID(), token, board.id, name);
  res.status(201).json({ board: board.id, token });
});

app.post('/columns/:column/cards', (req, res) => {
  const member = memberOf(req);
  if (!member) return res.status(401).json({ code: 'unauthorized', message: 'a member token is required' });
  const key = req.get('idempotency-key');
  if (!key || key.length > 100) return res.status(400).json({ code: 'invalid', message: 'an Idempotency-Key is required' });
  const title = text(req.body?.title, 200);
  if (!title) return res.status(400).json({ code: 'invalid', message: 'a title is required' });
  const created = createCard(member, req.params.column, title, key);
  if (!created) return res.status(404).json({ code: 'not_found', message: 'no such column on your board' });
  // Told only once the transaction has committed.
  if (created.event) io.to(member.boardId).emit('m', created.event);
  res.status(201).json(created.card);
});

app.use((err, req, res, next) => {
  if (res.headersSent) return next(err);
  res.status(err.status || 500).json({ code: err.status ? 'invalid' : 'internal', message: err.message });
});

const server = http.createServer(app);
// Node closes a keep-alive connection idle for 5 s by default, and a client reusing it at that moment sees its
// request fail; the load tool's pooled connections idle that long between phases. A minute, as behind a proxy.
server.keepAliveTimeout = 60_000;
server.headersTimeout = 65_000;
const io = new Server(server, { serveClient: false });

io.use((socket, next) => {
  const token = socket.handshake.auth?.token;
  const member = typeof token === 'string' ? sql.memberByToken.get(token) : undefined;
  if (!member) return next(new Error('unauthorized'));
  socket.data.member = member;
  next();
});

io.on('connection', (socket) => {
  const { boardId } = socket.data.member;
  // Joining and reading the seq happen in one turn of the event loop: no event falls between them.
  socket.join(boardId);
  socket.emit('m', { type: 'hello', seq: sql.boardSeq.get(boardId).seq });
});

server.listen(Number(args.port), '127.0.0.1', 4096, () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});

process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
