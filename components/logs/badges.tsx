import type { EventSeverity, LogLevel } from '@/lib/logs/types';

/** A level as a coloured word (the colour is never the only signal; logs.css holds the colours). */
export function LevelBadge({ level }: { level: LogLevel | string }) {
  return (
    <span className="log-badge" data-level={level}>
      {level}
    </span>
  );
}

export function SeverityBadge({ severity }: { severity: EventSeverity | string }) {
  return (
    <span className="log-badge" data-severity={severity}>
      {severity}
    </span>
  );
}
