# frozen_string_literal: true

# Facts that gate hosts for syscall_audit (see the module's README.md):
#
#   syscall_audit_status  "supported", or "unsupported: <reason>"
#   syscall_audit         {
#                           kernel      => "5.10.0-23-amd64",
#                           kernel_ok   => true,            # >= 5.8: BPF ring buffer, boot clock
#                           btf         => true,            # /sys/kernel/btf/vmlinux (CO-RE)
#                           ringbuf     => true,            # bpf_ringbuf_* in /proc/kallsyms (nil: unreadable)
#                           cap_bpf     => true,            # CAP_BPF/CAP_PERFMON exist (cap_last_cap >= 39)
#                           systemd     => true,            # booted with systemd (/run/systemd/system)
#                           installed   => true,            # <install_dir>/bin/check exists
#                           check       => "supported: this host can run the collector",
#                                                           # the collector's own `--check` verdict (installed hosts)
#                           gate        => "static"|"check" # which of the two decided an "unsupported"
#                         }
#
# Kernel facts alone decide hosts without the collector (no code of ours runs there); on hosts
# that have it, its `--check` (loads and attaches the real BPF programs, then exits) has the last
# word. SYSCALL_AUDIT_FACT_ROOT prefixes the /sys, /proc and /opt paths read (tests point it at a
# tree without BTF); SYSCALL_AUDIT_CHECK names another check command.
module SyscallAuditFacts
  MIN_KERNEL = [5, 8].freeze
  CAP_BPF = 39

  def self.path(p)
    "#{ENV.fetch('SYSCALL_AUDIT_FACT_ROOT', '')}#{p}"
  end

  def self.kernel_ok?(release)
    m = /\A(\d+)\.(\d+)/.match(release.to_s)
    return false unless m

    ([m[1].to_i, m[2].to_i] <=> MIN_KERNEL) >= 0
  end

  def self.ringbuf
    File.foreach(path('/proc/kallsyms')) do |line|
      return true if line.include?(' bpf_ringbuf_reserve')
    end
    false
  rescue SystemCallError, IOError
    nil
  end

  def self.cap_bpf
    File.read(path('/proc/sys/kernel/cap_last_cap')).strip.to_i >= CAP_BPF
  rescue SystemCallError, IOError
    false
  end

  # The last line of `check --check`: "supported: ..." or "unsupported: ...".
  def self.check(command)
    out = Facter::Core::Execution.execute(command, on_fail: nil, timeout: 60)
    return 'unsupported: the collector check printed nothing (timed out or crashed)' if out.nil? || out.strip.empty?

    last = out.strip.lines.last.strip
    last.start_with?('supported:', 'unsupported:') ? last : "unsupported: the collector check said #{last.inspect}"
  rescue Facter::Core::Execution::ExecutionFailure => e
    "unsupported: the collector check failed (#{e.message.lines.first&.strip})"
  end

  def self.gather(release)
    facts = {
      'kernel' => release.to_s,
      'kernel_ok' => kernel_ok?(release),
      'btf' => File.file?(path('/sys/kernel/btf/vmlinux')),
      'ringbuf' => ringbuf,
      'cap_bpf' => cap_bpf,
      # sd_booted(): the class runs the collector as a systemd service
      'systemd' => File.directory?(path('/run/systemd/system')),
    }
    command = ENV.fetch('SYSCALL_AUDIT_CHECK', path('/opt/syscall-audit/bin/check'))
    facts['installed'] = File.executable?(command.split.first.to_s)
    reason = static_reason(facts)
    if reason
      facts['gate'] = 'static'
      facts['status'] = "unsupported: #{reason}"
    elsif facts['installed']
      facts['check'] = check(command)
      facts['status'] = facts['check'].start_with?('supported:') ? 'supported' : facts['check']
      facts['gate'] = 'check' unless facts['status'] == 'supported'
    else
      facts['status'] = 'supported'
    end
    facts
  end

  def self.static_reason(f)
    return "kernel #{f['kernel']} is older than 5.8 (no BPF ring buffer)" unless f['kernel_ok']
    return 'no kernel BTF (/sys/kernel/btf/vmlinux missing: CONFIG_DEBUG_INFO_BTF is off), CO-RE cannot load' unless f['btf']
    return 'the kernel has no BPF ring buffer (bpf_ringbuf_reserve not in /proc/kallsyms)' if f['ringbuf'] == false

    nil
  end
end

Facter.add(:syscall_audit) do
  confine kernel: 'Linux'
  setcode do
    SyscallAuditFacts.gather(Facter.value(:kernelrelease))
  end
end

Facter.add(:syscall_audit_status) do
  setcode do
    audit = Facter.value(:syscall_audit)
    if audit.is_a?(Hash)
      audit['status']
    else
      "unsupported: #{Facter.value(:kernel)} is not Linux"
    end
  end
end
