import Foundation
import LoupeTensor

/// The OpenBLAS core this process runs and how it came to run it: a line of
/// `loupe --version` and a field of every benchmark record.
public struct BLASStatus: Sendable, Equatable, CustomStringConvertible {
    public enum Origin: Sendable, Equatable {
        /// OpenBLAS's own pick, kept (`auto` found nothing better, or `LOUPE_BLAS_CORE=keep`).
        case detected
        /// Loupe chose it because OpenBLAS had picked the weaker `was`.
        case auto(was: String)
        /// `LOUPE_BLAS_CORE=NAME`; `was` is OpenBLAS's own pick.
        case forced(was: String)
        /// The user's `OPENBLAS_CORETYPE`, which Loupe never overrides.
        case openblasCoreType
    }

    /// "OpenBLAS 0.3.21"
    public let library: String
    /// The core OpenBLAS reports running, e.g. "Cooperlake".
    public let core: String
    public let origin: Origin

    /// How the core was chosen, as benchmark records name it.
    public var selection: String {
        switch origin {
        case .detected: "detected"
        case .auto: "auto-selected"
        case .forced: "LOUPE_BLAS_CORE"
        case .openblasCoreType: "OPENBLAS_CORETYPE"
        }
    }

    /// The core OpenBLAS picked itself when Loupe put another in force.
    public var replaced: String? {
        switch origin {
        case .auto(let was), .forced(let was): was.caseInsensitiveCompare(core) == .orderedSame ? nil : was
        case .detected, .openblasCoreType: nil
        }
    }

    /// "OpenBLAS 0.3.21, core Cooperlake (auto-selected, was Prescott)"
    public var description: String {
        "\(library), core \(core) (\(selection)" + (replaced.map { ", was \($0)" } ?? "") + ")"
    }

    /// This process's status, read from its environment as `BLASStartup` left it (nothing
    /// is re-executed here: a process that would switch and has not runs OpenBLAS's pick).
    public static let current: BLASStatus = {
        let origin: Origin
        switch BLASStartup.plan(ProcessInfo.processInfo.environment) {
        case .run(let o): origin = o
        case .reexecute, .refuse: origin = .detected
        }
        return BLASStatus(library: OpenBLAS.version, core: OpenBLAS.runningCore, origin: origin)
    }()
}

/// Puts the best OpenBLAS core for this CPU in force before the first BLAS call.
///
/// OpenBLAS reads `OPENBLAS_CORETYPE` once, while the dynamic loader runs its constructor,
/// before `main`; so a switch sets it and re-executes the process (`/proc/self/exe`, same
/// arguments), once: the new process carries a marker naming the core set and the one
/// OpenBLAS had picked. The second start costs about 15 ms (`loupe --version` on AMD EPYC
/// Zen 4: median 40 ms with `LOUPE_BLAS_CORE=Haswell`, 24 ms without, 40 runs each), nothing
/// beside a run of seconds; switching inside the process would need OpenBLAS's internal
/// `gotoblas_dynamic_init`, where the environment variable is its documented interface.
///
/// `LOUPE_BLAS_CORE`: `auto` (default) switches only when OpenBLAS fell back to weaker
/// kernels than it has for this CPU (`BLASCore.choose`), `keep` never switches, a core name
/// forces that core. A user's own `OPENBLAS_CORETYPE` is always obeyed.
enum BLASStartup {
    static let variable = "LOUPE_BLAS_CORE"
    static let openBLASVariable = "OPENBLAS_CORETYPE"
    /// Set with OPENBLAS_CORETYPE before re-executing: "CORE,WAS".
    static let marker = "LOUPE_BLAS_CORE_SET"

    enum Plan: Equatable {
        /// Run on: the core in force is final.
        case run(BLASStatus.Origin)
        /// Set OPENBLAS_CORETYPE to `core` and the marker to `marker`, then re-execute.
        case reexecute(core: String, marker: String)
        /// A user error: this line, exit 2.
        case refuse(String)
    }

    /// What to do in a process with `environment` on `cpu`, where OpenBLAS runs `running`
    /// and has the cores `available`.
    static func plan(
        _ environment: [String: String], cpu: CPUInfo = .current, running: String = OpenBLAS.runningCore,
        available: [String] = OpenBLAS.availableCores
    ) -> Plan {
        let request = environment[variable]?.trimmingCharacters(in: .whitespaces) ?? ""
        let user = environment[openBLASVariable].flatMap { $0.isEmpty ? nil : $0 }
        let runnable = BLASCore.selectable.filter { core in available.contains(core.name) && core.runs(on: cpu) }
        var forced: BLASCore?
        switch request.lowercased() {
        case "", "auto", "keep": break
        default:
            guard let core = BLASCore.named(request) else {
                let names = ["auto", "keep"] + runnable.map(\.name)
                return .refuse("unknown BLAS core '\(request)' in \(variable); use one of: \(names.joined(separator: ", "))")
            }
            forced = core
        }

        // After the re-execution: the marker names the core Loupe set, and OPENBLAS_CORETYPE
        // still holds it (otherwise the variable is the user's own).
        let set = environment[marker].map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        if let set, set.count == 2, let user, user.caseInsensitiveCompare(set[0]) == .orderedSame {
            return .run(forced == nil ? .auto(was: set[1]) : .forced(was: set[1]))
        }
        if let user {
            if let forced, forced.name.caseInsensitiveCompare(user) != .orderedSame {
                return .refuse("\(variable)=\(forced.name) contradicts \(openBLASVariable)=\(user); unset one of them")
            }
            return .run(.openblasCoreType)
        }

        let target: String
        if let forced {
            guard !available.isEmpty else {
                if forced.name == running { return .run(.forced(was: running)) }
                return .refuse("this OpenBLAS is built for one CPU (\(running)) and cannot run \(forced.name)")
            }
            guard available.contains(forced.name) else {
                return .refuse("this OpenBLAS has no \(forced.name) kernels; it has: \(available.joined(separator: ", "))")
            }
            let missing = forced.missing(on: cpu)
            guard missing.isEmpty else {
                return .refuse("BLAS core \(forced.name) needs \(missing.joined(separator: ", ")), which this CPU lacks")
            }
            if forced.name == running { return .run(.forced(was: running)) }
            target = forced.name
        } else if request.lowercased() == "keep" {
            return .run(.detected)
        } else {
            guard case .select(let best) = BLASCore.choose(cpu: cpu, running: running, available: available) else {
                return .run(.detected)
            }
            target = best
        }
        // A marker left without its OPENBLAS_CORETYPE means a switch already failed to take:
        // never loop.
        if set != nil { return .run(.detected) }
        return .reexecute(core: target, marker: "\(target),\(running)")
    }

    /// Carries out the plan for this process: returns when the core in force is final,
    /// re-executes the process with another, or exits 2 on a bad `LOUPE_BLAS_CORE`.
    static func apply() {
        switch plan(ProcessInfo.processInfo.environment) {
        case .run:
            return
        case .refuse(let message):
            FileHandle.standardError.write(Data("loupe: error: \(message)\n".utf8))
            exit(2)
        case .reexecute(let core, let value):
            setenv(openBLASVariable, core, 1)
            setenv(marker, value, 1)
            execv("/proc/self/exe", CommandLine.unsafeArgv)
            // Still here: no /proc (or no permission). Run on with OpenBLAS's own pick.
            let reason = String(cString: strerror(errno))
            unsetenv(openBLASVariable)
            unsetenv(marker)
            if ProcessInfo.processInfo.environment[variable].map({ BLASCore.named($0) != nil }) == true {
                FileHandle.standardError.write(Data("loupe: error: cannot switch OpenBLAS to \(core): \(reason)\n".utf8))
                exit(2)
            }
        }
    }
}
