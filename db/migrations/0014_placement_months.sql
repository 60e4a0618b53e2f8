CREATE TABLE `placement_months` (
	`county` text NOT NULL,
	`month` text NOT NULL,
	`type` text NOT NULL,
	`scope` text NOT NULL,
	`delta` integer NOT NULL,
	PRIMARY KEY(`county`, `month`, `type`, `scope`)
);
--> statement-breakpoint
DROP INDEX `placements_start_idx`;--> statement-breakpoint
DROP INDEX `placements_end_idx`;--> statement-breakpoint
CREATE INDEX `placements_start_idx` ON `placements` (`start_date`,`home_area_code`,`end_date`,`type`,`scope`);--> statement-breakpoint
CREATE INDEX `placements_end_idx` ON `placements` (`end_date`,`home_area_code`,`start_date`,`type`,`scope`);--> statement-breakpoint
-- Each placement that does not end before it starts: +1 in the month it starts, -1 in the month it ends.
INSERT INTO `placement_months` (`county`, `month`, `type`, `scope`, `delta`)
  SELECT `county`, `month`, `type`, `scope`, sum(`d`) FROM (
    SELECT substr(`home_area_code`, 1, 6) AS `county`, substr(`start_date`, 1, 7) AS `month`, `type`, `scope`, 1 AS `d` FROM `placements` WHERE `end_date` IS NULL OR `end_date` >= `start_date`
    UNION ALL
    SELECT substr(`home_area_code`, 1, 6), substr(`end_date`, 1, 7), `type`, `scope`, -1 FROM `placements` WHERE `end_date` IS NOT NULL AND `end_date` >= `start_date`
  ) GROUP BY `county`, `month`, `type`, `scope`;--> statement-breakpoint
CREATE TRIGGER `placements_months_insert` AFTER INSERT ON `placements` BEGIN
  INSERT INTO `placement_months` (`county`, `month`, `type`, `scope`, `delta`) SELECT substr(NEW.`home_area_code`, 1, 6), substr(NEW.`start_date`, 1, 7), NEW.`type`, NEW.`scope`, 1 WHERE (NEW.`end_date` IS NULL OR NEW.`end_date` >= NEW.`start_date`) ON CONFLICT (`county`, `month`, `type`, `scope`) DO UPDATE SET `delta` = `delta` + excluded.`delta`;
  INSERT INTO `placement_months` (`county`, `month`, `type`, `scope`, `delta`) SELECT substr(NEW.`home_area_code`, 1, 6), substr(NEW.`end_date`, 1, 7), NEW.`type`, NEW.`scope`, -1 WHERE NEW.`end_date` IS NOT NULL AND NEW.`end_date` >= NEW.`start_date` ON CONFLICT (`county`, `month`, `type`, `scope`) DO UPDATE SET `delta` = `delta` + excluded.`delta`;
END;--> statement-breakpoint
CREATE TRIGGER `placements_months_update` AFTER UPDATE OF `start_date`, `end_date`, `type`, `scope`, `home_area_code` ON `placements` BEGIN
  INSERT INTO `placement_months` (`county`, `month`, `type`, `scope`, `delta`) SELECT substr(OLD.`home_area_code`, 1, 6), substr(OLD.`start_date`, 1, 7), OLD.`type`, OLD.`scope`, -1 WHERE (OLD.`end_date` IS NULL OR OLD.`end_date` >= OLD.`start_date`) ON CONFLICT (`county`, `month`, `type`, `scope`) DO UPDATE SET `delta` = `delta` + excluded.`delta`;
  INSERT INTO `placement_months` (`county`, `month`, `type`, `scope`, `delta`) SELECT substr(OLD.`home_area_code`, 1, 6), substr(OLD.`end_date`, 1, 7), OLD.`type`, OLD.`scope`, 1 WHERE OLD.`end_date` IS NOT NULL AND OLD.`end_date` >= OLD.`start_date` ON CONFLICT (`county`, `month`, `type`, `scope`) DO UPDATE SET `delta` = `delta` + excluded.`delta`;
  INSERT INTO `placement_months` (`county`, `month`, `type`, `scope`, `delta`) SELECT substr(NEW.`home_area_code`, 1, 6), substr(NEW.`start_date`, 1, 7), NEW.`type`, NEW.`scope`, 1 WHERE (NEW.`end_date` IS NULL OR NEW.`end_date` >= NEW.`start_date`) ON CONFLICT (`county`, `month`, `type`, `scope`) DO UPDATE SET `delta` = `delta` + excluded.`delta`;
  INSERT INTO `placement_months` (`county`, `month`, `type`, `scope`, `delta`) SELECT substr(NEW.`home_area_code`, 1, 6), substr(NEW.`end_date`, 1, 7), NEW.`type`, NEW.`scope`, -1 WHERE NEW.`end_date` IS NOT NULL AND NEW.`end_date` >= NEW.`start_date` ON CONFLICT (`county`, `month`, `type`, `scope`) DO UPDATE SET `delta` = `delta` + excluded.`delta`;
END;--> statement-breakpoint
CREATE TRIGGER `placements_months_delete` AFTER DELETE ON `placements` BEGIN
  INSERT INTO `placement_months` (`county`, `month`, `type`, `scope`, `delta`) SELECT substr(OLD.`home_area_code`, 1, 6), substr(OLD.`start_date`, 1, 7), OLD.`type`, OLD.`scope`, -1 WHERE (OLD.`end_date` IS NULL OR OLD.`end_date` >= OLD.`start_date`) ON CONFLICT (`county`, `month`, `type`, `scope`) DO UPDATE SET `delta` = `delta` + excluded.`delta`;
  INSERT INTO `placement_months` (`county`, `month`, `type`, `scope`, `delta`) SELECT substr(OLD.`home_area_code`, 1, 6), substr(OLD.`end_date`, 1, 7), OLD.`type`, OLD.`scope`, 1 WHERE OLD.`end_date` IS NOT NULL AND OLD.`end_date` >= OLD.`start_date` ON CONFLICT (`county`, `month`, `type`, `scope`) DO UPDATE SET `delta` = `delta` + excluded.`delta`;
END;
