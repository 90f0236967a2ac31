import Foundation

/// A self-contained HTML report: inline CSS and SVG, images by relative path, no
/// external assets, so it works offline from file://.
public struct HTMLPage {
    public var title: String
    private var body: [String] = []

    public init(title: String) { self.title = title }

    public mutating func heading(_ text: String, level: Int = 2) {
        body.append("<h\(level)>\(escape(text))</h\(level)>")
    }

    public mutating func paragraph(_ text: String) { body.append("<p>\(escape(text))</p>") }

    /// The exact command (or recipe) and seed that reproduce this run.
    public mutating func reproduce(_ command: String) {
        body.append("<p class=\"muted\">Reproduce with:</p><pre>\(escape(command))</pre>")
    }

    /// Images with captions in a responsive grid; `pixelated` keeps small images crisp.
    public mutating func imageGrid(_ items: [(path: String, caption: String)], pixelated: Bool = false) {
        let cells = items.map { item in
            "<figure><img src=\"\(escapeAttribute(item.path))\" alt=\"\(escapeAttribute(item.caption))\""
                + (pixelated ? " class=\"pixelated\"" : "") + "><figcaption>\(escape(item.caption))</figcaption></figure>"
        }
        body.append("<div class=\"grid\">\(cells.joined())</div>")
    }

    public mutating func table(headers: [String], rows: [[String]]) {
        let head = headers.map { "<th>\(escape($0))</th>" }.joined()
        let rowsHTML = rows.map { "<tr>" + $0.map { "<td>\(escape($0))</td>" }.joined() + "</tr>" }.joined()
        body.append("<table><thead><tr>\(head)</tr></thead><tbody>\(rowsHTML)</tbody></table>")
    }

    /// Pass/fail badges for self-checks; failures are shown loudly.
    public mutating func badges(_ checks: [(name: String, passed: Bool, detail: String)]) {
        let items = checks.map { c in
            "<li class=\"\(c.passed ? "pass" : "fail")\"><span class=\"badge\">\(c.passed ? "PASS" : "FAIL")</span> "
                + "<b>\(escape(c.name))</b> — \(escape(c.detail))</li>"
        }
        if checks.contains(where: { !$0.passed }) {
            body.append("<p class=\"alarm\">Some self-checks FAILED: do not trust these numbers until they pass.</p>")
        }
        body.append("<ul class=\"badges\">\(items.joined())</ul>")
    }

    /// Inline SVG produced by `SVGPlot`.
    public mutating func svg(_ markup: String) { body.append("<div class=\"plot\">\(markup)</div>") }

    public mutating func link(_ text: String, to href: String) {
        body.append("<p><a href=\"\(escapeAttribute(href))\">\(escape(text))</a></p>")
    }

    /// Raw markup, for callers that build their own structure.
    public mutating func raw(_ html: String) { body.append(html) }

    public func render() -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1d1d1f}
        h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
        .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:.8rem}
        figure{margin:0}figure img{width:100%;border-radius:4px;background:#eee}
        img.pixelated{image-rendering:pixelated}
        figcaption{font-size:.8rem;color:#555;text-align:center}
        table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.25rem .6rem;text-align:right}
        th{background:#f5f5f7}pre{background:#f5f5f7;padding:.6rem;overflow-x:auto}
        .muted{color:#777}.badges{list-style:none;padding:0}.badge{display:inline-block;border-radius:3px;padding:0 .4rem;color:#fff;font-size:.75rem}
        .pass .badge{background:#2e7d32}.fail .badge{background:#c62828}.fail{color:#c62828}
        .alarm{background:#c62828;color:#fff;padding:.6rem;font-weight:bold}.plot svg{max-width:100%;height:auto}
        .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:1rem;margin:1rem 0}
        .card{border:1px solid #ddd;border-radius:6px;overflow:hidden;display:flex;flex-direction:column}
        .card .thumb{display:flex;align-items:center;justify-content:center;height:210px;background:#f5f5f7;color:#999}
        .card .thumb img{max-width:100%;max-height:210px;object-fit:contain}
        .card .body{padding:.5rem .8rem}.card h3{margin:.2rem 0;font-size:1.05rem}.card p{margin:.2rem 0}
        .card dl{display:grid;grid-template-columns:auto 1fr;gap:.1rem .7rem;margin:.4rem 0}.card dt{color:#555}.card dd{margin:0;font-weight:600}
        .card .verdict.pass{color:#2e7d32}.card .verdict.fail{color:#c62828;font-weight:bold}
        .card pre.command{font-size:.75rem;white-space:pre-wrap;word-break:break-all;margin:.4rem 0 0}.card summary{color:#777;font-size:.8rem;cursor:pointer}
        </style></head><body>
        <h1>\(escape(title))</h1>
        \(body.joined(separator: "\n"))
        <script>
        // Self-check after load: every image decoded and every plot drawn. The result is
        // stamped on <body> (tests read it with a headless browser) and shown if broken.
        window.addEventListener("load", function () {
          var broken = [];
          document.querySelectorAll("img").forEach(function (img) {
            if (!img.complete || img.naturalWidth === 0) broken.push(img.getAttribute("src"));
          });
          document.querySelectorAll(".plot svg").forEach(function (svg, i) {
            if (!svg.querySelector("polyline, rect, circle")) broken.push("plot " + i);
          });
          document.body.setAttribute("data-loupe-check", broken.length ? "broken: " + broken.join(", ") : "ok");
          if (broken.length) {
            var p = document.createElement("p");
            p.className = "alarm";
            p.textContent = "Missing from this report: " + broken.join(", ");
            document.body.insertBefore(p, document.body.firstChild);
          }
        });
        </script>
        </body></html>
        """
    }
}

func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;")
}

func escapeAttribute(_ s: String) -> String { escape(s).replacingOccurrences(of: "\"", with: "&quot;") }
