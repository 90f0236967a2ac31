import LoupeTensor

/// Runs the metrics `settings.metrics.level` asks for on one map of `image` ([1, C, H, W]).
public enum Faithfulness {
    public static func measure(_ map: AttributionMap, image: Tensor, method: any AttributionMethod, target: Int,
                               context: Attributor) throws -> MapMetrics? {
        let settings = context.settings.metrics, seed = context.settings.seed
        guard settings.fast, image.shape.count == 4, map.width == image.shape[3], map.height == image.shape[2] else { return nil }
        var metrics = MapMetrics()
        let substrate = try settings.substrate.image(like: image)
        let curves = try DeletionInsertion.curves(
            map, image: image, substrate: substrate, steps: settings.steps, target: target, context: context)
        (metrics.deletion, metrics.insertion) = (curves.deletion, curves.insertion)
        metrics.road = try ROAD.scores(map, image: image, noise: settings.roadNoise, seed: seed, target: target, context: context)
        let infidelity = try Infidelity.measure(
            map, image: image, samples: settings.infidelitySamples, sigma: settings.infidelitySigma, seed: seed,
            target: target, context: context)
        (metrics.infidelity, metrics.infidelityNormalized) = (infidelity.raw, infidelity.normalized)
        if settings.all {
            metrics.maxSensitivity = try MaxSensitivity.measure(
                map, image: image, method: method, samples: settings.sensitivitySamples, radius: settings.sensitivityRadius,
                seed: seed, target: target, context: context)
        }
        return metrics
    }
}
