@testable import LoupeTensor
import LoupeTesting
import XCTest

/// The transformed filters of frozen weights are reused between passes, and never outlive
/// what they were computed from: every result here is compared with the same conv run on
/// weights that take a gradient, which the cache never serves.
final class WinogradFilterCacheTests: XCTestCase {
    override func invokeTest() {
        WinogradFilterCache.removeAll()
        withKernelPolicy({ $0.winogradTuning.minChannels = 1 }) { super.invokeTest() }
        WinogradFilterCache.removeAll()
    }

    let x = randomTensor([2, 8, 6, 7], seed: 1)

    /// y = conv(x, w) and dx for a fixed seed, through the cache when `w` takes no gradient.
    func pass(_ w: Tensor) throws -> [[Float]] {
        let input = x.requiringGrad()
        let y = try input.conv2d(weight: w, padding: .symmetric(1))
        try y.backward(seed: randomTensor(y.shape, seed: 2))
        return [y.scalars, input.grad?.scalars ?? []]
    }

    func testFrozenWeightsAreTransformedOnceAndGiveTheUncachedResult() throws {
        let w = randomTensor([16, 8, 3, 3], seed: 3, scale: 0.3)
        let uncached = try pass(w.requiringGrad())
        XCTAssertEqual(WinogradFilterCache.count, 0, "weights that take a gradient are not cached")

        let first = try pass(w)
        // One entry for the forward filters, one for the flipped ones of the input gradient.
        XCTAssertEqual(WinogradFilterCache.count, 2)
        let bytes = WinogradFilterCache.cachedBytes
        XCTAssertEqual(bytes, 2 * 16 * 16 * 8 * MemoryLayout<Float>.size, "F(2×2): 16 positions × 16 × 8 per direction")
        let second = try pass(w)
        XCTAssertEqual(WinogradFilterCache.count, 2)
        XCTAssertEqual(WinogradFilterCache.cachedBytes, bytes)
        XCTAssertEqual(first, uncached)
        XCTAssertEqual(second, uncached)
    }

    func testAWriteToTheWeightsIsNeverServedStaleFilters() throws {
        var w = randomTensor([16, 8, 3, 3], seed: 4, scale: 0.3)
        let before = try pass(w)
        // An in-place write: the cache holds the old storage, so this copies it first.
        w.mutablePointer[0] += 1
        w.mutablePointer[9 * 8 * 5 + 4] -= 2
        let after = try pass(w)
        XCTAssertNotEqual(after, before)
        XCTAssertEqual(after, try pass(w.requiringGrad()))
        XCTAssertEqual(WinogradFilterCache.count, 4)
    }

    func testLeastRecentlyUsedFiltersGoPastTheCapacity() throws {
        let saved = WinogradFilterCache.capacityBytes
        defer { WinogradFilterCache.capacityBytes = saved }
        // Room for two entries (4,096 bytes each: one weight tensor's forward and flipped filters).
        WinogradFilterCache.capacityBytes = 2 * 16 * 16 * 8 * MemoryLayout<Float>.size
        let a = randomTensor([16, 8, 3, 3], seed: 5, scale: 0.3), b = randomTensor([16, 8, 3, 3], seed: 6, scale: 0.3)
        let aFirst = try pass(a)
        _ = try pass(b)
        XCTAssertEqual(WinogradFilterCache.count, 2)
        XCTAssertLessThanOrEqual(WinogradFilterCache.cachedBytes, WinogradFilterCache.capacityBytes)
        // a's filters were evicted; transforming them again gives the same result.
        XCTAssertEqual(try pass(a), aFirst)
        XCTAssertEqual(try pass(a), try pass(a.requiringGrad()))
    }
}
