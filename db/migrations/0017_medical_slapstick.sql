ALTER TABLE `api_tokens` ADD `expires_at` text;--> statement-breakpoint
ALTER TABLE `link_codes` ADD `handle` text;--> statement-breakpoint
ALTER TABLE `link_codes` ADD `wrong_tries` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `link_codes_handle_idx` ON `link_codes` (`handle`);--> statement-breakpoint
CREATE INDEX `idempotency_keys_created_idx` ON `idempotency_keys` (`created_at`);