import fs from 'node:fs';

/** Linux reports utime/stime in clock ticks; USER_HZ is 100 on every mainstream kernel build. */
const TICKS_PER_SECOND = 100;

/** Resident set size of a process in KiB, or null when it is gone. */
export function readRssKb(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

interface StatLine {
  ppid: number;
  cpuSeconds: number;
  /** CPU of its children it has waited for (cutime + cstime): short-lived backends end up here. */
  reapedSeconds: number;
}

function readStat(pid: number): StatLine | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return {
      ppid: Number(fields[1]),
      cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
      reapedSeconds: (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND,
    };
  } catch {
    return null;
  }
}

/** User + system CPU seconds a process has used, or null when it is gone. */
export function readCpuSeconds(pid: number): number | null {
  return readStat(pid)?.cpuSeconds ?? null;
}

/**
 * CPU seconds of a process and all its live descendants: our server's embedded PostgreSQL runs
 * as child processes whose work a per-message cost should not hide.
 */
export function readTreeCpuSeconds(pid: number): number | null {
  const own = readStat(pid);
  if (!own) {
    return null;
  }
  const children = new Map<number, number[]>();
  const cpu = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    const stat = readStat(Number(entry));
    if (stat) {
      // A backend that exits between two readings would otherwise take its CPU with it.
      cpu.set(Number(entry), stat.cpuSeconds + stat.reapedSeconds);
      children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), Number(entry)]);
    }
  }
  let total = 0;
  const stack = [pid];
  while (stack.length > 0) {
    const next = stack.pop()!;
    total += cpu.get(next) ?? 0;
    stack.push(...(children.get(next) ?? []));
  }
  return total;
}
