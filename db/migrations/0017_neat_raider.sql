ALTER TABLE `api_tokens` ADD `expires_at` text;--> statement-breakpoint
CREATE INDEX `idempotency_keys_created_idx` ON `idempotency_keys` (`created_at`);