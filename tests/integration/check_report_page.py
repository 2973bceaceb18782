#!/usr/bin/env python3
"""Checks a report page as npuemu wrote it (before any browser): self-contained (no element loads anything: no
src= or href= outside the inlined scripts, no URL in the page's data), and every chart spec as a reader needs it:
a title, axes with titles, a legend, a tooltip on the points mark, round ticks on log axes (1, 2 or 5 times a power
of ten), category axes that list their values.

  check_report_page.py PAGE [--figures N] [--has TEXT ...]"""
import argparse
import json
import math
import re
import sys


def round_tick(v):
    m = v / 10 ** math.floor(math.log10(v) + 1e-9)
    return any(abs(m - k) < 1e-9 for k in (1, 2, 5))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('page')
    ap.add_argument('--figures', type=int)
    ap.add_argument('--has', action='append', default=[])
    args = ap.parse_args()
    html = open(args.page, encoding='utf-8').read()
    fail = []
    outside = re.sub(r'<script\b[^>]*>.*?</script>', '', html, flags=re.S)
    if re.search(r'\b(src|href)\s*=', outside) or re.search(r'<(link|iframe|img|object|embed)\b', outside):
        fail.append('an element outside the scripts loads something')
    if re.search(r'<script\b[^>]*\bsrc\s*=', html):
        fail.append('a script is loaded, not inlined')
    m = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', html, re.S)
    if not m:
        print('FAIL: no page data')
        return 1
    page = json.loads(m.group(1))
    if re.search(r'https?://', m.group(1)):
        fail.append('a URL in the page data')
    figures = [f for s in page['sections'] for f in s['figures']]
    if args.figures is not None and len(figures) != args.figures:
        fail.append('%d figures, expected %d: %s' % (len(figures), args.figures,
                                                    [f['spec']['title']['text'] for f in figures]))
    for f in figures:
        spec, title = f['spec'], f['spec']['title']['text']
        if not title:
            fail.append('%s: no title' % f['id'])
        for axis in spec['axes']:
            if not axis.get('title'):
                fail.append('%s: an axis without a title' % title)
        if not spec.get('legends') or not spec['legends'][0].get('title'):
            fail.append('%s: no legend (or no legend title)' % title)
        points = [mk for mk in spec['marks'] if mk.get('name') == 'points']
        if len(points) != 1 or 'tooltip' not in points[0]['encode']['enter']:
            fail.append('%s: no points mark with a tooltip' % title)
        scales = dict((s['name'], s) for s in spec['scales'])
        for axis in spec['axes']:
            scale = scales[axis['scale']]
            if scale['type'] == 'log':
                if not axis.get('values') or not all(round_tick(v) for v in axis['values']):
                    fail.append('%s: log axis ticks not round: %s' % (title, axis.get('values')))
            if scale['type'] in ('point', 'band') and not scale['domain']:
                fail.append('%s: a category axis without values' % title)
        if f['points'] != len(spec['data'][0]['values']):
            fail.append('%s: %d points given, %d in the data' % (title, f['points'], len(spec['data'][0]['values'])))
        print('%s "%s": %d points, axes: %s' % (f['id'], title, f['points'],
                                               ', '.join('%s (%s)' % (a['title'], scales[a['scale']]['type'])
                                                         for a in spec['axes'])))
    text = json.dumps(page, ensure_ascii=False)
    for t in args.has:
        if t not in text:
            fail.append('the page does not say: ' + t)
    for t in fail:
        print('FAIL: ' + t)
    return 1 if fail else 0


if __name__ == '__main__':
    sys.exit(main())
