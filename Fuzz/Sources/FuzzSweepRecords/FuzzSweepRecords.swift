import Foundation
import FuzzDriver
import LoupeAttack

/// A robustness run folder as `--resume` and `merge` read it back: the input is `sweep.json`,
/// a zero byte, then `records.jsonl`. Files that pass their checks go on to the summary and
/// its result.json, which size their loops and arrays by what the files say.
@_cdecl("FuzzSweepRecords_main")
func entry(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    fuzz(argc, argv) { bytes in
        let split = bytes.firstIndex(of: 0) ?? bytes.count
        let records = split < bytes.count ? Data(bytes[(split + 1)...]) : Data()
        guard let summary = try? RobustnessSummary(sweepFile: Data(bytes[..<split]), recordsFile: records) else { return }
        _ = try? JSONEncoder().encode(summary.result(run: "fuzz"))
    }
}
