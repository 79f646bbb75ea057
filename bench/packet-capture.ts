/**
 * A tcpdump capture to a temporary pcap file, for benches that want the kernel's timestamp
 * of each packet instead of the time a user-space receiver got to it. Hand-run benches only:
 * tcpdump (Debian package `tcpdump`) and the right to capture (root, or CAP_NET_RAW) are
 * required here and nowhere else; {@link captureUnavailable} says why it cannot run.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Options of {@link PacketCapture.start}. */
export interface PacketCaptureOptions {
  /** Interface (default `lo`). */
  iface?: string;
  /** BPF filter, e.g. `udp and src portrange 34000-39999`. */
  filter: string;
  /** Bytes kept per packet (default 64: link, IP, UDP and RTP headers). */
  snaplen?: number;
  /** Kernel capture buffer, KiB (default 65536). */
  bufferKiB?: number;
  /** CPU to pin tcpdump to with taskset (default: not pinned). */
  cpu?: number;
  /** Ms to wait for tcpdump to start listening (default 5000). */
  startTimeoutMs?: number;
}

/** What tcpdump said when it stopped. */
export interface CaptureCounts {
  captured?: number;
  receivedByFilter?: number;
  droppedByKernel?: number;
}

/** Why a capture cannot run here (tcpdump missing, or no right to capture); undefined when it can. */
export function captureUnavailable(iface = 'lo'): string | undefined {
  const version = spawnSync('tcpdump', ['--version'], { encoding: 'utf8' });
  if (version.error !== undefined || version.status !== 0) {
    return 'tcpdump not found: kernel timestamps skipped (install it with `apt-get install -y tcpdump`); spacing is measured in user space only';
  }
  const types = spawnSync('tcpdump', ['-i', iface, '-L'], { encoding: 'utf8' });
  if (types.status !== 0) return `tcpdump cannot capture on ${iface} (${types.stderr.trim().split('\n')[0] ?? 'error'}): spacing is measured in user space only`;
  return undefined;
}

/** The best time-stamp type tcpdump offers on `iface` (-j): the adapter's clock when there is one. */
function timeStampType(iface: string): string | undefined {
  const out = spawnSync('tcpdump', ['-i', iface, '-J'], { encoding: 'utf8' }).stdout ?? '';
  return ['adapter_unsynced', 'adapter', 'host'].find((t) => new RegExp(`^\\s*${t}\\b`, 'm').test(out));
}

/** A running tcpdump writing a pcap file (nanosecond timestamps when libpcap offers them). */
export class PacketCapture {
  /** The time-stamp type in use (`host`: taken by the kernel when the packet reaches the tap). */
  readonly timeStampType: string;

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly file: string,
    private readonly stderr: () => string,
    timeStampType: string | undefined,
  ) {
    this.timeStampType = timeStampType ?? 'default';
  }

  /** Starts tcpdump and resolves once it listens. @throws Error when it exits or does not listen in time */
  static async start(options: PacketCaptureOptions): Promise<PacketCapture> {
    const iface = options.iface ?? 'lo';
    const dir = mkdtempSync(join(tmpdir(), 'agentline-capture-'));
    const file = join(dir, 'capture.pcap');
    const tsType = timeStampType(iface);
    const args = [
      '-i', iface, '-n', '-s', String(options.snaplen ?? 64), '-B', String(options.bufferKiB ?? 65536),
      '--time-stamp-precision=nano', ...(tsType === undefined ? [] : ['-j', tsType]),
      // As root, tcpdump would drop to its own user before opening the file in our private directory.
      ...(process.getuid?.() === 0 ? ['-Z', 'root'] : []),
      '-w', file, options.filter,
    ];
    const child = options.cpu === undefined ? spawn('tcpdump', args) : spawn('taskset', ['-c', String(options.cpu), 'tcpdump', ...args]);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const capture = new PacketCapture(child, dir, file, () => err, tsType);
    try {
      await capture.listening(options.startTimeoutMs ?? 5000);
    } catch (error) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return capture;
  }

  private async listening(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!/listening on/.test(this.stderr())) {
      if (this.child.exitCode !== null) throw new Error(`tcpdump exited [code:${this.child.exitCode}]: ${this.stderr().trim()}`);
      if (performance.now() > deadline) throw new Error(`tcpdump did not start listening in ${timeoutMs} ms: ${this.stderr().trim()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Stops tcpdump (it flushes the file) and returns its counts. */
  async stop(): Promise<CaptureCounts> {
    if (this.child.exitCode === null) {
      const exited = once(this.child, 'exit');
      this.child.kill('SIGINT');
      await exited;
    }
    const count = (what: string): number | undefined => {
      const m = new RegExp(`(\\d+) packets? ${what}`).exec(this.stderr());
      return m === null ? undefined : Number(m[1]);
    };
    return { captured: count('captured'), receivedByFilter: count('received by filter'), droppedByKernel: count('dropped by kernel') };
  }

  /** The pcap file's bytes (after {@link stop}). */
  read(): Buffer {
    return readFileSync(this.file);
  }

  /** Deletes the file and its directory. */
  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
