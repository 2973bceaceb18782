#include "cli/report/html_page.h"

#include "cli/report/vega_library.h"

namespace npuemu::report {

namespace {

const char* const kStyle = R"CSS(
body { font-family: sans-serif; margin: 24px; max-width: 1500px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ddd; }
p { max-width: 1000px; font-size: 13px; line-height: 1.4; }
.figures { display: flex; flex-wrap: wrap; gap: 12px; }
figure { margin: 0; border: 1px solid #e4e4e4; padding: 6px; }
figcaption { font-size: 12px; color: #555; max-width: 640px; }
figcaption .note { color: #8a4b00; margin: 4px 0; }
.chart-error { color: #b00; font-size: 12px; }
button { font-size: 11px; margin: 4px 4px 0 0; }
table { border-collapse: collapse; font-size: 12px; margin-top: 8px; }
td, th { border: 1px solid #ccc; padding: 2px 6px; text-align: left; }
th { background: #f2f2f2; cursor: pointer; user-select: none; }
th[data-sort=asc]::after { content: " \25B2"; } th[data-sort=desc]::after { content: " \25BC"; }
td.failed, td.missing { color: #b00; font-weight: bold; }
)CSS";

// Builds the page from #page-data. Marks: after Vega renders a figure, data-drawn is the number of drawn elements
// of its "points" mark (with finite coordinates), data-expected the number of points it was given.
const char* const kPageScript = R"JS(
(function () {
  'use strict';
  var page = JSON.parse(document.getElementById('page-data').textContent);
  var errors = [];
  function fail(text) { errors.push(text); document.body.dataset.errors = errors.join('\n'); }
  window.addEventListener('error', function (e) { fail(String(e.message)); });
  function el(tag, props, parent) {
    var e = document.createElement(tag);
    Object.assign(e, props || {});
    if (parent) parent.appendChild(e);
    return e;
  }
  function download(url, name) {
    var a = el('a', {href: url, download: name}, document.body);
    a.click();
    a.remove();
  }
  function drawn(holder) {
    var n = 0;
    holder.querySelectorAll('g.points > *').forEach(function (e) {
      var geometry = (e.getAttribute('transform') || '') + (e.getAttribute('d') || '');
      if (geometry.indexOf('NaN') < 0 && geometry.indexOf('Infinity') < 0) ++n;
    });
    return n;
  }
  function cellKey(c) {
    if (c !== null && typeof c === 'object') return c.sort !== undefined ? c.sort : c.text;
    return c;
  }
  function table(t, parent) {
    var tab = el('table', {className: 'points'}, parent);
    var head = el('tr', {}, el('thead', {}, tab));
    var body = el('tbody', {}, tab);
    var rows = t.rows.map(function (cells) {
      var tr = el('tr', {}, body);
      cells.forEach(function (c) {
        var td = el('td', {}, tr);
        if (c !== null && typeof c === 'object') {
          if (c.href) el('a', {href: c.href, textContent: c.text}, td); else td.textContent = c.text;
          if (c['class']) td.className = c['class'];
        } else {
          td.textContent = c === null ? '' : String(c);
        }
      });
      return {tr: tr, cells: cells};
    });
    var sorted = -1, ascending = true;
    function sortBy(i) {
      ascending = sorted === i ? !ascending : true;
      sorted = i;
      rows.sort(function (a, b) {
        var x = cellKey(a.cells[i]), y = cellKey(b.cells[i]);
        var r = typeof x === 'number' && typeof y === 'number' ? x - y
              : String(x === null ? '' : x).localeCompare(String(y === null ? '' : y), 'en', {numeric: true});
        return ascending ? r : -r;
      });
      rows.forEach(function (r) { body.appendChild(r.tr); });
      head.querySelectorAll('th').forEach(function (th, j) { th.dataset.sort = j === i ? (ascending ? 'asc' : 'desc') : ''; });
    }
    t.columns.forEach(function (name, i) {
      el('th', {textContent: name, title: 'click to sort', onclick: function () { sortBy(i); }}, head);
    });
  }
  var main = document.getElementById('main');
  document.title = page.title;
  el('h1', {textContent: page.title}, main);
  page.paragraphs.forEach(function (p) { el('p', {textContent: p}, main); });
  var pending = 1;
  function settled() { if (--pending === 0) document.body.dataset.rendered = 'all'; }
  page.sections.forEach(function (section) {
    el('h2', {textContent: section.heading}, main);
    section.paragraphs.forEach(function (p) { el('p', {textContent: p}, main); });
    var grid = el('div', {className: 'figures'}, main);
    section.figures.forEach(function (fig) {
      var f = el('figure', {id: fig.id}, grid);
      f.dataset.expected = fig.points;
      f.dataset.title = fig.spec.title.text;
      var holder = el('div', {className: 'chart'}, f);
      var caption = el('figcaption', {}, f);
      el('div', {textContent: fig.caption}, caption);
      fig.notes.forEach(function (n) { el('p', {className: 'note', textContent: n}, caption); });
      ++pending;
      try {
        var view = new vega.View(vega.parse(fig.spec), {renderer: 'svg', container: holder, hover: true});
        ['png', 'svg'].forEach(function (type) {
          el('button', {textContent: 'Save ' + type.toUpperCase(), onclick: function () {
            view.toImageURL(type, type === 'png' ? 2 : 1).then(function (url) { download(url, fig.id + '.' + type); });
          }}, caption);
        });
        view.runAsync().then(function () { f.dataset.drawn = drawn(holder); settled(); },
                             function (err) { fail(fig.id + ': ' + err); f.dataset.error = String(err); settled(); });
      } catch (err) {
        fail(fig.id + ': ' + err);
        f.dataset.error = String(err);
        el('p', {className: 'chart-error', textContent: 'This chart could not be drawn: ' + err}, holder);
        settled();
      }
    });
    section.tables.forEach(function (t) { table(t, main); });
  });
  // page.html#chart3: that chart alone (to link to one chart, or to screenshot it).
  var only = location.hash ? document.getElementById(location.hash.slice(1)) : null;
  if (only && only.tagName === 'FIGURE') {
    document.body.insertBefore(only, main);
    main.style.display = 'none';
    only.style.display = 'inline-block';
  }
  settled();
})();
)JS";

// JSON inside <script>: no '<' at all, so neither "</script>" nor "<!--" can end or confuse the element.
std::string script_safe(const std::string& json) {
    std::string out;
    out.reserve(json.size());
    for (char c : json) {
        if (c == '<') out += "\\u003c"; else out += c;
    }
    return out;
}

}  // namespace

std::string render_html(const Page& page) {
    Spec data;
    data["title"] = page.title;
    data["paragraphs"] = page.paragraphs;
    data["sections"] = Spec::array();
    size_t figure_id = 0;
    for (const auto& section : page.sections) {
        Spec s;
        s["heading"] = section.heading;
        s["paragraphs"] = section.paragraphs;
        s["figures"] = Spec::array();
        for (const auto& figure : section.figures) {
            s["figures"].push_back({{"id", "chart" + std::to_string(figure_id++)},
                                    {"caption", figure.caption},
                                    {"notes", figure.notes},
                                    {"points", point_count(figure.chart)},
                                    {"spec", to_vega(figure.chart)}});
        }
        s["tables"] = Spec::array();
        for (const auto& table : section.tables) s["tables"].push_back({{"columns", table.columns}, {"rows", table.rows}});
        data["sections"].push_back(std::move(s));
    }
    std::string html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>";
    html += "npuemu report</title>\n<style>";
    html += kStyle;
    html += "</style>\n</head><body><div id=\"main\"></div>\n<script type=\"application/json\" id=\"page-data\">";
    html += script_safe(data.dump());
    html += "</script>\n<script>\n";
    html += vega_script();
    html += "</script>\n<script>";
    html += kPageScript;
    html += "</script>\n</body></html>\n";
    return html;
}

}  // namespace npuemu::report
