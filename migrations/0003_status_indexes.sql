-- Indexes for the operators' status API (Deliveries.ListNotifications, GetStats,
-- WatchNotifications). Every index below ends, implicitly, in the rowid (id).

-- ListNotifications of an app, newest first, walks this backwards: (app_id, id). Without it
-- SQLite sorts every row of the app for each page.
CREATE INDEX notifications_app ON notifications (app_id);
-- ListNotifications by recipient, newest first: (app_id, uid, id).
CREATE INDEX notifications_app_uid ON notifications (app_id, uid);
-- ListNotifications' time ranges, GetStats' window:
-- (app_id, received_at, id).
CREATE INDEX notifications_app_received ON notifications (app_id, received_at);
-- WatchNotifications polls each app for rows changed after its cursor. Costs the writer one
-- more index entry per state change; measured against nothing yet (see the status report).
CREATE INDEX notifications_app_updated ON notifications (app_id, updated_at);
