-- A board hosted here from a member's copy because its previous host was gone for good (`board.rehosted`): when it
-- was. The server announces such boards on the LAN (TXT key `took`), so teammates whose copies still point at the old
-- host learn where the board is now.

ALTER TABLE boards ADD COLUMN rehosted_at TEXT;
