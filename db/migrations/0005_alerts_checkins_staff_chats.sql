ALTER TABLE `api_tokens` ADD `telegram_chat_id` text;--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_telegram_uq` ON `api_tokens` (`telegram_chat_id`);--> statement-breakpoint
ALTER TABLE `link_codes` ADD `staff_token_id` integer REFERENCES api_tokens(id);--> statement-breakpoint
ALTER TABLE `openings` ADD `alerts_pending_at` text;--> statement-breakpoint
CREATE INDEX `openings_alerts_pending_idx` ON `openings` (`alerts_pending_at`) WHERE alerts_pending_at IS NOT NULL;--> statement-breakpoint
ALTER TABLE `placements` ADD `checked_in_at` text;--> statement-breakpoint
CREATE INDEX `outbox_status_id_idx` ON `outbox` (`status`,`id`);