ALTER TABLE `placements` ADD `overlaps` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `placements_overlaps_idx` ON `placements` (`home_area_code`,`worker_id`,`start_date`,`end_date`,`type`,`scope`) WHERE overlaps = 1;--> statement-breakpoint
-- Placements overlapping another of the same worker and home area in time
-- ([start, end), an open end never ends). Flags only ever go from 0 to 1.
UPDATE `placements` SET `overlaps` = 1 WHERE `overlaps` = 0 AND EXISTS (SELECT 1 FROM `placements` AS q WHERE q.`worker_id` IS `placements`.`worker_id` AND q.`home_area_code` = `placements`.`home_area_code` AND q.`id` <> `placements`.`id` AND q.`start_date` < coalesce(`placements`.`end_date`, '9999-12-31') AND `placements`.`start_date` < coalesce(q.`end_date`, '9999-12-31'));--> statement-breakpoint
CREATE TRIGGER `placements_overlaps_insert` AFTER INSERT ON `placements` BEGIN
  UPDATE `placements` SET `overlaps` = 1 WHERE `overlaps` = 0 AND `worker_id` IS NEW.`worker_id` AND `home_area_code` = NEW.`home_area_code` AND EXISTS (SELECT 1 FROM `placements` AS q WHERE q.`worker_id` IS `placements`.`worker_id` AND q.`home_area_code` = `placements`.`home_area_code` AND q.`id` <> `placements`.`id` AND q.`start_date` < coalesce(`placements`.`end_date`, '9999-12-31') AND `placements`.`start_date` < coalesce(q.`end_date`, '9999-12-31'));
END;--> statement-breakpoint
CREATE TRIGGER `placements_overlaps_update` AFTER UPDATE OF `worker_id`, `home_area_code`, `start_date`, `end_date` ON `placements` BEGIN
  UPDATE `placements` SET `overlaps` = 1 WHERE `overlaps` = 0 AND `worker_id` IS NEW.`worker_id` AND `home_area_code` = NEW.`home_area_code` AND EXISTS (SELECT 1 FROM `placements` AS q WHERE q.`worker_id` IS `placements`.`worker_id` AND q.`home_area_code` = `placements`.`home_area_code` AND q.`id` <> `placements`.`id` AND q.`start_date` < coalesce(`placements`.`end_date`, '9999-12-31') AND `placements`.`start_date` < coalesce(q.`end_date`, '9999-12-31'));
END;
