import Foundation
import LoupeReport

extension AttributionReport {
    /// The metrics table and the deletion and insertion curves of every map.
    static func faithfulnessSection(_ result: AttributionResult, on page: inout HTMLPage) {
        let measured = result.attributions.compactMap { entry in entry.metrics.map { (entry.method, $0) } }
        guard !measured.isEmpty, let settings = result.faithfulness else { return }
        page.heading("Faithfulness")
        page.paragraph("Scores are the target's logit. Deletion moves the pixels the map ranks first to the substrate "
                       + "(\(settings.substrate.description)) and insertion puts them back into it (Petsiuk et al. 2018): "
                       + "a faithful map has low deletion and high insertion area. ROAD (Rong et al. 2022) removes 10…90% of "
                       + "the pixels by noisy linear imputation, most (MoRF, low is faithful) or least relevant first (LeRF, high "
                       + "is faithful). Infidelity (Yeh et al. 2019) is the mean squared error of the map's prediction of the "
                       + "score change when each pixel is scaled by 1 − ε, ε ~ N(0, \(settings.infidelitySigma)²); normalized: "
                       + "with the map rescaled at best. Max-sensitivity: the largest relative change of the map within "
                       + "±\(settings.sensitivityRadius) of the input. Randomization: mean |ρ| of the sanity check.")
        let number = { (v: Double?) in v.map { String(format: "%.4g", $0) } ?? "—" }
        page.table(headers: ["method", "deletion AUC ↓", "insertion AUC ↑", "ROAD MoRF ↓", "ROAD LeRF ↑", "infidelity ↓",
                             "infidelity (normalized) ↓", "max-sensitivity ↓", "randomization ↓"],
                   rows: measured.map { name, m in
                       [name, number(m.deletion?.auc), number(m.insertion?.auc), number(m.road?.morfMean), number(m.road?.lerfMean),
                        number(m.infidelity), number(m.infidelityNormalized), number(m.maxSensitivity), number(m.randomization)]
                   })
        for (title, pick) in [("Deletion", \MapMetrics.deletion), ("Insertion", \MapMetrics.insertion)] {
            page.svg(SVGPlot(title: "\(title): target logit as pixels move in the map's order", xLabel: "fraction of pixels",
                             yLabel: "logit",
                             series: measured.compactMap { name, m in
                                 m[keyPath: pick].map { SVGPlot.Series(name: name, points: Array(zip($0.fractions, $0.scores))) }
                             }).render())
        }
    }
}
