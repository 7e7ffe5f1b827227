-- Forward webhooks (config apps[].forward_hooks[]): a delivery may target one of the app's hooks
-- instead of a device registration. Such a delivery has channel 'webhook', registration_id 0
-- (no registration row has id 0) and the hook's name in `hook`; device deliveries keep hook ''.
--
-- The hook is part of the planning key: a notification gets at most one delivery per
-- (registration, channel, hook), so two hooks of one app are two deliveries and a claim that
-- plans twice still inserts each once. '' rather than NULL because NULLs never collide in a
-- UNIQUE index, which would let a re-plan duplicate a device delivery.
ALTER TABLE deliveries ADD COLUMN hook TEXT NOT NULL DEFAULT '';

DROP INDEX deliveries_notification;
CREATE UNIQUE INDEX deliveries_notification
  ON deliveries (notification_id, registration_id, channel, hook);
