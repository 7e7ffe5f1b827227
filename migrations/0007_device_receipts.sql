-- Device receipts (Receipts.ReportReceipt): the app reports that a push reached the device, and
-- optionally that the user opened it. Additive only: four nullable columns on deliveries and a
-- one-row table.
--
-- Times are milliseconds since the Unix epoch (UTC). *_at is when pushgate recorded the report,
-- *_device_at the device's own clock as reported (NULL when it gave none). The first report of
-- each kind is kept: reporting again changes nothing, so retries are harmless. Adding nullable
-- columns rewrites no row, and the engine's statements never touch them.
ALTER TABLE deliveries ADD COLUMN received_at INTEGER;
ALTER TABLE deliveries ADD COLUMN received_device_at INTEGER;
ALTER TABLE deliveries ADD COLUMN opened_at INTEGER;
ALTER TABLE deliveries ADD COLUMN opened_device_at INTEGER;

-- The key of this installation's push ids (server/common/push_id.h): 32 random bytes, as hex,
-- made once when the database is created or upgraded. A push id names its delivery and attempt
-- and carries an HMAC tag under this key, so ids need no column and no index, differ between
-- installations, and cannot be made up by someone who only saw other ids.
CREATE TABLE installation (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  push_id_key TEXT    NOT NULL CHECK (length(push_id_key) = 64)
);
INSERT INTO installation (id, push_id_key) VALUES (1, lower(hex(randomblob(32))));
