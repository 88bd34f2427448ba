// The kernel check of `linuxkit audit`: a kernel .config against the Kernel Self Protection
// Project's recommended settings for x86_64 (https://kspp.github.io/Recommended_Settings), as
// they apply to the 6.x kernels LinuxKit ships. This table is the one place those settings are
// written for the audit; docs/kernel.md says which of them pkg/kernel leaves off and why, and
// the repository's audit-accept.yml accepts exactly those, with the same reasons.
// The .config is read with the kernel package's parser (src/pkg/kconfig.ts).
import { kconfigValues, parseKconfig } from '../pkg/index.js';
import type { Rule, Severity } from './rules.js';

/** What KSPP asks of one option: on, off, a value, or at least a number. */
type Want = 'y' | 'n' | { equals: string } | { min: number };

interface KsppSetting {
  option: string;
  want: Want;
  severity: Severity;
  /** Why KSPP asks for it, one line. */
  why: string;
  /** The setting only matters when this other option has this value (e.g. module signing with MODULES=y). */
  when?: { option: string; value: string };
}

const on = (option: string, severity: Severity, why: string, when?: KsppSetting['when']): KsppSetting => ({
  option,
  want: 'y',
  severity,
  why,
  ...(when && { when }),
});
const off = (option: string, severity: Severity, why: string, when?: KsppSetting['when']): KsppSetting => ({
  option,
  want: 'n',
  severity,
  why,
  ...(when && { when }),
});
const MODULES = { option: 'CONFIG_MODULES', value: 'y' };
const DEVMEM = { option: 'CONFIG_DEVMEM', value: 'y' };

export const KSPP_SETTINGS: readonly KsppSetting[] = [
  // Memory protections and exploit mitigations.
  on('CONFIG_STRICT_KERNEL_RWX', 'high', 'kernel text and read-only data are not writable, data is not executable'),
  on('CONFIG_DEBUG_WX', 'low', 'reports any writable and executable kernel mapping at boot'),
  on('CONFIG_STACKPROTECTOR_STRONG', 'high', 'stack canaries on every function with a local array or address-taken variable'),
  on('CONFIG_FORTIFY_SOURCE', 'high', 'bounds checks on string and memory functions where sizes are known'),
  on('CONFIG_HARDENED_USERCOPY', 'high', 'copies to and from user space are checked against the object they touch'),
  on('CONFIG_VMAP_STACK', 'medium', 'guard pages around kernel stacks'),
  on('CONFIG_RANDOMIZE_BASE', 'high', 'KASLR: the kernel image is at a random address'),
  on('CONFIG_RANDOMIZE_MEMORY', 'medium', "KASLR for the kernel's memory regions"),
  on('CONFIG_RANDOMIZE_KSTACK_OFFSET_DEFAULT', 'medium', 'a random kernel stack offset on every system call'),
  on('CONFIG_INIT_ON_ALLOC_DEFAULT_ON', 'medium', 'memory is zeroed when allocated: no stale data leaks'),
  on('CONFIG_INIT_ON_FREE_DEFAULT_ON', 'low', 'memory is zeroed when freed: freed secrets do not linger'),
  on('CONFIG_INIT_STACK_ALL_ZERO', 'medium', 'stack variables start zeroed'),
  on('CONFIG_ZERO_CALL_USED_REGS', 'low', 'registers are cleared on function return (fewer ROP gadgets, no leaks)'),
  on('CONFIG_SLAB_FREELIST_RANDOM', 'medium', 'slab freelists in random order'),
  on('CONFIG_SLAB_FREELIST_HARDENED', 'medium', 'slab freelist pointers are checked'),
  off('CONFIG_SLAB_MERGE_DEFAULT', 'low', 'caches of the same size are not merged, so cross-cache attacks are harder'),
  on('CONFIG_SHUFFLE_PAGE_ALLOCATOR', 'low', 'page allocator freelists can be randomized (page_alloc.shuffle=1)'),
  {
    option: 'CONFIG_DEFAULT_MMAP_MIN_ADDR',
    want: { min: 65536 },
    severity: 'medium',
    why: 'no user mapping in the first 64 kB, so NULL dereferences stay faults',
  },
  on('CONFIG_LEGACY_VSYSCALL_NONE', 'high', 'no vsyscall page at a fixed address'),
  off('CONFIG_COMPAT_BRK', 'medium', 'brk is randomized too'),
  off('CONFIG_COMPAT_VDSO', 'medium', 'the vDSO is randomized'),
  on('CONFIG_PAGE_TABLE_ISOLATION', 'high', 'Meltdown mitigation: user space cannot read kernel memory'),
  on('CONFIG_RETPOLINE', 'high', 'Spectre v2 mitigation'),
  on('CONFIG_X86_UMIP', 'low', 'user space cannot read descriptor tables (SGDT, SIDT, …)'),
  on('CONFIG_X86_KERNEL_IBT', 'low', 'indirect branch tracking on CPUs with CET'),
  // Checks on structures that exploits target.
  on('CONFIG_BUG', 'medium', 'BUG() conditions are reported and stop the offending process'),
  on('CONFIG_BUG_ON_DATA_CORRUPTION', 'medium', 'a detected corruption of a kernel structure is a BUG, not a warning'),
  on('CONFIG_DEBUG_LIST', 'low', 'linked-list integrity checks'),
  on('CONFIG_DEBUG_SG', 'low', 'scatterlist integrity checks'),
  on('CONFIG_DEBUG_NOTIFIERS', 'low', 'notifier chain integrity checks'),
  on('CONFIG_DEBUG_CREDENTIALS', 'low', 'credential structure integrity checks'),
  on('CONFIG_DEBUG_VIRTUAL', 'low', 'virtual-to-physical address conversion checks'),
  on('CONFIG_SCHED_STACK_END_CHECK', 'low', 'kernel stack overflows are detected at schedule time'),
  on('CONFIG_KFENCE', 'low', 'sampling detection of heap memory errors'),
  on('CONFIG_UBSAN_BOUNDS', 'low', 'array bounds checks'),
  on('CONFIG_PANIC_ON_OOPS', 'medium', 'an oops stops the machine rather than running on in an unknown state'),
  { option: 'CONFIG_PANIC_TIMEOUT', want: { equals: '-1' }, severity: 'low', why: 'reboot at once after a panic' },
  // Attack surface.
  off('CONFIG_DEVMEM', 'high', 'no /dev/mem: root cannot read or write physical memory'),
  on('CONFIG_STRICT_DEVMEM', 'high', 'with /dev/mem, only device memory is reachable', DEVMEM),
  on('CONFIG_IO_STRICT_DEVMEM', 'high', 'with /dev/mem, not even device memory a driver claimed', DEVMEM),
  off('CONFIG_DEVKMEM', 'high', 'no /dev/kmem: root cannot write kernel memory'),
  off('CONFIG_DEVPORT', 'medium', 'no /dev/port: root cannot poke I/O ports'),
  off('CONFIG_PROC_KCORE', 'high', 'no /proc/kcore: the kernel image layout is not exposed'),
  off('CONFIG_KEXEC', 'high', 'the running kernel cannot be replaced'),
  off('CONFIG_HIBERNATION', 'medium', 'the running kernel cannot be replaced from a hibernation image'),
  off('CONFIG_ACPI_CUSTOM_METHOD', 'high', 'no custom ACPI methods: they allow writing physical memory'),
  off('CONFIG_IA32_EMULATION', 'medium', 'no 32-bit system call ABI (a second, less exercised entry path)'),
  off('CONFIG_X86_X32_ABI', 'medium', 'no x32 system call ABI'),
  off('CONFIG_MODIFY_LDT_SYSCALL', 'low', 'no modify_ldt(2)'),
  off('CONFIG_LDISC_AUTOLOAD', 'medium', 'line disciplines are not loaded on demand by unprivileged users'),
  off('CONFIG_LEGACY_PTYS', 'low', 'only devpts pseudo-terminals'),
  off('CONFIG_BINFMT_MISC', 'low', 'no user-registered binary formats'),
  off('CONFIG_USERFAULTFD', 'medium', 'no userfaultfd, a reliable way to win kernel races'),
  off('CONFIG_INET_DIAG', 'low', 'no socket monitoring interface (heap layout leaks)'),
  off('CONFIG_X86_MSR', 'medium', 'no /dev/cpu/*/msr'),
  off('CONFIG_X86_CPUID', 'low', 'no /dev/cpu/*/cpuid'),
  on('CONFIG_SYN_COOKIES', 'low', 'SYN flood protection'),
  on('CONFIG_SECCOMP_FILTER', 'high', 'programs can confine the system calls they make (seccomp BPF)'),
  on('CONFIG_BPF_UNPRIV_DEFAULT_OFF', 'high', 'unprivileged eBPF is off by default'),
  on('CONFIG_STATIC_USERMODEHELPER', 'low', 'every user-mode helper call goes to one program'),
  // Modules: none is best; signed and strict when there are any.
  off('CONFIG_MODULES', 'low', 'no loadable modules: root cannot add kernel code'),
  on('CONFIG_STRICT_MODULE_RWX', 'high', 'module text and data have strict permissions', MODULES),
  on('CONFIG_MODULE_SIG', 'medium', 'modules are signed', MODULES),
  on('CONFIG_MODULE_SIG_FORCE', 'high', 'only signed modules load', MODULES),
  on('CONFIG_MODULE_SIG_ALL', 'medium', 'every module is signed at build time', MODULES),
  // Security modules.
  on('CONFIG_SECURITY', 'medium', 'security modules can be used'),
  on('CONFIG_SECURITY_YAMA', 'medium', 'Yama restricts ptrace to descendants'),
  on('CONFIG_SECURITY_LANDLOCK', 'low', 'unprivileged programs can sandbox themselves'),
  on('CONFIG_SECURITY_DMESG_RESTRICT', 'low', 'only privileged users read the kernel log'),
  on('CONFIG_SECURITY_LOCKDOWN_LSM', 'medium', 'lockdown: a line between root and the running kernel'),
  on('CONFIG_SECURITY_LOCKDOWN_LSM_EARLY', 'medium', 'lockdown from early boot'),
  on('CONFIG_LOCK_DOWN_KERNEL_FORCE_CONFIDENTIALITY', 'medium', 'lockdown in confidentiality mode: root can neither change nor read kernel memory'),
  off('CONFIG_SECURITY_WRITABLE_HOOKS', 'medium', 'LSM hooks are read-only after boot'),
  // DMA from devices.
  on('CONFIG_IOMMU_SUPPORT', 'low', 'an IOMMU can confine device DMA'),
  on('CONFIG_IOMMU_DEFAULT_DMA_STRICT', 'low', 'IOMMU TLBs are flushed at once: devices never see stale mappings'),
  // Compiler plugins (gcc).
  on('CONFIG_GCC_PLUGIN_STACKLEAK', 'low', 'the kernel stack is wiped on return to user space'),
  on('CONFIG_GCC_PLUGIN_RANDSTRUCT', 'low', 'structure layouts are randomized per build'),
  on('CONFIG_GCC_PLUGIN_LATENT_ENTROPY', 'low', 'more entropy at boot'),
];

export const KSPP_REFERENCE = 'KSPP recommended settings, x86_64 (https://kspp.github.io/Recommended_Settings); NIST SP 800-190 §4.5.2 (shared kernel)';

function describeWant(w: Want): string {
  if (w === 'y') return 'on (=y)';
  if (w === 'n') return 'off (not set)';
  if ('equals' in w) return `=${w.equals}`;
  return `≥ ${w.min}`;
}

/** The rule id of a KSPP setting: LK-KSPP-<option without CONFIG_>. */
export function ksppRuleId(option: string): string {
  return `LK-KSPP-${option.replace(/^CONFIG_/, '')}`;
}

/** The KSPP settings as audit rules. */
export const KSPP_RULES: readonly Rule[] = KSPP_SETTINGS.map((s) => ({
  id: ksppRuleId(s.option),
  severity: s.severity,
  title: `${s.option} ${describeWant(s.want)}`,
  help: `KSPP recommends ${s.option} ${describeWant(s.want)}${s.when ? ` (when ${s.when.option}=${s.when.value})` : ''}: ${s.why}.`,
  fix: `Set ${s.want === 'n' ? `# ${s.option} is not set` : `${s.option}=${s.want === 'y' ? 'y' : 'equals' in s.want ? s.want.equals : s.want.min}`} in the kernel's config.`,
  reference: KSPP_REFERENCE,
}));

function satisfied(w: Want, value: string): boolean {
  if (w === 'y') return value === 'y';
  if (w === 'n') return value === 'n';
  if ('equals' in w) return value === w.equals;
  return Number(value) >= w.min;
}

export interface KsppFinding {
  ruleId: string;
  option: string;
  /** What the .config has ("n" when absent). */
  got: string;
  /** The option's line in the .config, when it is written there. */
  line?: number;
}

/** The KSPP settings a kernel .config (its text) does not meet. */
export function checkKspp(dotConfig: string): KsppFinding[] {
  const values = kconfigValues(dotConfig);
  const lines = new Map(parseKconfig(dotConfig).map((o) => [o.name, o.line]));
  const out: KsppFinding[] = [];
  for (const s of KSPP_SETTINGS) {
    if (s.when && (values.get(s.when.option) ?? 'n') !== s.when.value) continue;
    const got = values.get(s.option) ?? 'n';
    if (satisfied(s.want, got)) continue;
    const line = lines.get(s.option);
    out.push({ ruleId: ksppRuleId(s.option), option: s.option, got, ...(line !== undefined && { line }) });
  }
  return out;
}
