import ArgumentParser
import Foundation
import LoupeData

/// `--data` for commands that read a labeled data set: `fashion-mnist:test` or
/// `fashion-mnist:train`, or a folder of IDX files (`DIR` = its test split, `DIR:train`).
/// Kept small so it can give way to LoupeData's shared data-spec resolver.
func loadLabeledData(_ spec: String) throws -> LabeledImages {
    var (source, split) = (spec, "test")
    if let colon = spec.lastIndex(of: ":"), ["test", "train"].contains(String(spec[spec.index(after: colon)...])) {
        (source, split) = (String(spec[..<colon]), String(spec[spec.index(after: colon)...]))
    }
    if source.lowercased() == "fashion-mnist" {
        return try IDXDataset.load(folder: IDXDataset.fashionMNISTFolder, split: split, classes: IDXDataset.fashionMNISTClasses)
    }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw ValidationError("--data '\(spec)': expected fashion-mnist:test, fashion-mnist:train or a folder of IDX files")
    }
    return try IDXDataset.load(folder: source, split: split)
}
