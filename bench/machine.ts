// The machine a benchmark ran on, recorded beside its figures.
import os from 'node:os';

export function machineInfo(): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memory_gib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${os.platform()} ${os.release()}`,
    // Other work on the machine slows every figure; a 1-minute load above the core count means contended.
    load_1m: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}
