ALTER TABLE `outbox` ADD `channel` text DEFAULT 'telegram' NOT NULL;--> statement-breakpoint
CREATE INDEX `outbox_channel_due_idx` ON `outbox` (`channel`,`not_before`,`id`) WHERE status IN ('pending', 'sending');--> statement-breakpoint
CREATE INDEX `outbox_live_worker_idx` ON `outbox` (`worker_id`) WHERE status IN ('pending', 'sending');--> statement-breakpoint
CREATE INDEX `outbox_live_employer_idx` ON `outbox` (`employer_id`) WHERE status IN ('pending', 'sending');--> statement-breakpoint
-- hand-written below
-- The sender a live row is owed to: a worker on Telegram, else WeChat, else
-- SMS (a phone); an employer on Telegram, else WeChat; staff and chats on
-- Telegram; whoever has none of them stays `telegram`, whose sender cancels
-- what reaches nobody. Rows already sent, dead or cancelled keep the default.
UPDATE `outbox` SET `channel` = coalesce(
  CASE
    WHEN `worker_id` IS NOT NULL THEN (SELECT CASE WHEN w.`telegram_chat_id` IS NOT NULL THEN 'telegram' WHEN w.`wechat_openid` IS NOT NULL THEN 'wechat' WHEN w.`phone` IS NOT NULL THEN 'sms' END FROM `workers` w WHERE w.`id` = `outbox`.`worker_id`)
    WHEN `employer_id` IS NOT NULL THEN (SELECT CASE WHEN e.`telegram_chat_id` IS NULL AND e.`wechat_openid` IS NOT NULL THEN 'wechat' END FROM `employers` e WHERE e.`id` = `outbox`.`employer_id`)
  END, 'telegram')
WHERE `status` IN ('pending', 'sending');
--> statement-breakpoint
-- A new row: only those owed to someone off Telegram are written again.
CREATE TRIGGER `outbox_channel_insert` AFTER INSERT ON `outbox`
WHEN (NEW.`worker_id` IS NOT NULL AND EXISTS (SELECT 1 FROM `workers` w WHERE w.`id` = NEW.`worker_id` AND w.`telegram_chat_id` IS NULL AND (w.`wechat_openid` IS NOT NULL OR w.`phone` IS NOT NULL)))
  OR (NEW.`employer_id` IS NOT NULL AND EXISTS (SELECT 1 FROM `employers` e WHERE e.`id` = NEW.`employer_id` AND e.`telegram_chat_id` IS NULL AND e.`wechat_openid` IS NOT NULL))
BEGIN
  UPDATE `outbox` SET `channel` = coalesce(
    CASE
      WHEN NEW.`worker_id` IS NOT NULL THEN (SELECT CASE WHEN w.`wechat_openid` IS NOT NULL THEN 'wechat' ELSE 'sms' END FROM `workers` w WHERE w.`id` = NEW.`worker_id`)
      ELSE 'wechat'
    END, 'telegram')
  WHERE `id` = NEW.`id`;
END;
--> statement-breakpoint
-- A person links or loses a chat, an openid or a phone: what is still owed to them follows.
CREATE TRIGGER `workers_outbox_channel` AFTER UPDATE OF `telegram_chat_id`, `wechat_openid`, `phone` ON `workers`
BEGIN
  UPDATE `outbox` SET `channel` = CASE WHEN NEW.`telegram_chat_id` IS NOT NULL THEN 'telegram' WHEN NEW.`wechat_openid` IS NOT NULL THEN 'wechat' WHEN NEW.`phone` IS NOT NULL THEN 'sms' ELSE 'telegram' END
  WHERE `worker_id` = NEW.`id` AND `status` IN ('pending', 'sending');
END;
--> statement-breakpoint
CREATE TRIGGER `employers_outbox_channel` AFTER UPDATE OF `telegram_chat_id`, `wechat_openid` ON `employers`
BEGIN
  UPDATE `outbox` SET `channel` = CASE WHEN NEW.`telegram_chat_id` IS NULL AND NEW.`wechat_openid` IS NOT NULL THEN 'wechat' ELSE 'telegram' END
  WHERE `employer_id` = NEW.`id` AND `status` IN ('pending', 'sending');
END;
