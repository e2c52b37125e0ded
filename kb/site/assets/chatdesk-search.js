// chatdesk help center search: a web worker that speaks Material for MkDocs' search protocol
// (SETUP -> READY, QUERY -> RESULT) and ranks articles the way the bot's matcher does
// (kb/index.py), so the site finds what a customer means as well as `chatdesk kb search`:
//
// - char_max: best character 2-4-gram TF-IDF cosine (sublinear tf, smoothed idf, n-grams inside
//   words, as scikit-learn's "char_wb") against any one of the article's phrasings;
// - char_centroid: the same against the mean of the article's phrasing vectors;
// - word_centroid: word unigrams and bigrams, against the mean;
// - fuzzy: 2 * LCS / (len a + len b) (rapidfuzz's ratio) of the query's words without English
//   stop words, sorted, against each phrasing's; computed for the best candidates only;
// fused as their mean, plus a fifth signal the bot does not have: the share of the query's
// words that begin a word of the article's text (BODY_WEIGHT).
// The index (search/search_index.json, written by kb/site/search.py)
// holds, per article, its title and accepted phrasings already normalised by kb.normalize;
// only the query is normalised here (normalize() mirrors kb/normalize.py: keep in step).
"use strict"

var SETUP = 0, READY = 1, QUERY = 2, RESULT = 3
var CANDIDATES = 60  // articles whose fuzzy score is computed (the best by the other signals)
var RESULTS = 10
// The bot reads phrasings only; a help site's reader also means what the text says. Measured on
// the question set: 0.1 and 0.2 add one and two questions found, 0.5 starts to lose others.
var BODY_WEIGHT = 0.2
var EVIDENCE = 0.3  // char_max a typo reaches ("refnud": 0.36) and letter soup does not (0.25)
var index = null
var pending = null  // the newest query not answered yet

// Material sends a query on every keystroke. Answering each in turn would make the result for
// the last one wait for all the others; only the newest waiting query is answered.
self.onmessage = function (event) {
  var message = event.data
  if (message.type === SETUP) {
    index = build(message.data.docs || [], message.data.config || {})
    self.postMessage({ type: READY })
  } else if (message.type === QUERY) {
    if (pending === null) setTimeout(answer, 0)
    pending = String(message.data || "")
  }
}

function answer() {
  var query = pending
  pending = null
  var result = index ? search(query) : { items: [] }
  result.query = query  // not read by Material; lets a caller match a result to its query
  self.postMessage({ type: RESULT, data: result })
}

// ---- normalisation: kb/normalize.py ---------------------------------------------------------

var ARABIC_FOLD = {
  "\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9", "\u0629": "\u0647",
  "\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627", "\u0640": ""
}
var DIGIT_ZEROS = [0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66,
  0xce6, 0xd66, 0xe50, 0xed0, 0xf20, 0x1040, 0x17e0, 0x1810, 0xff10]
var NOT_WORD = /[\p{P}\p{S}\p{Z}\p{C}]/gu
var HARAKAT = /[\u064b-\u065f\u0670]/g
var DIGIT = /\p{Nd}/gu

function normalize(text) {
  text = text.normalize("NFKC")
    .replace(/\u200b/g, "")  // the site's own Thai word breaks (chatdesk.js): not in the index
    .replace(/\u200c/g, " ").replace(/[\u200d\u200e\u200f\ufeff]/g, "")
    .toLowerCase().replace(/\u00df/g, "ss")
    .replace(/[\u064a\u0649\u0643\u0629\u0623\u0625\u0622\u0640]/g, function (ch) { return ARABIC_FOLD[ch] })
    .replace(/['\u2019\u02bc`]/g, "")
    .replace(DIGIT, function (ch) {
      var code = ch.codePointAt(0)
      for (var i = DIGIT_ZEROS.length - 1; i >= 0; i--) {
        if (code >= DIGIT_ZEROS[i] && code < DIGIT_ZEROS[i] + 10) return String(code - DIGIT_ZEROS[i])
      }
      return ch
    })
    .replace(HARAKAT, "")
    .replace(NOT_WORD, " ")
  return text.replace(/\s+/g, " ").trim()
}

// ---- features: scikit-learn's analyzers -----------------------------------------------------

function charGrams(text) {
  var grams = []
  var words = text.split(" ")
  for (var i = 0; i < words.length; i++) {
    if (!words[i]) continue
    var w = " " + words[i] + " "
    for (var n = 2; n <= 4; n++) {
      var offset = 0
      grams.push(w.slice(0, n))
      while (offset + n < w.length) {
        offset++
        grams.push(w.slice(offset, offset + n))
      }
      if (offset === 0) break  // the word is shorter than n: counted once, as scikit-learn does
    }
  }
  return grams
}

function wordGrams(text) {
  var words = text.split(" ").filter(Boolean)
  var grams = words.slice()
  for (var i = 0; i + 1 < words.length; i++) grams.push(words[i] + " " + words[i + 1])
  return grams
}

function counts(grams) {
  var tf = new Map()
  for (var i = 0; i < grams.length; i++) tf.set(grams[i], (tf.get(grams[i]) || 0) + 1)
  return tf
}

// A TF-IDF space over the phrasings, in typed arrays (30,000 phrasings load in well under a
// second): vocabulary ids and idf, and postings (feature -> rows, weights) of the phrasings'
// L2-normalised vectors and of the articles' L2-normalised centroids, for fast cosines.
function space(phrasings, owner, articles, analyze) {
  var vocabulary = new Map(), df = [], start = [0], ids = [], tfs = []
  for (var p = 0; p < phrasings.length; p++) {
    counts(analyze(phrasings[p])).forEach(function (count, gram) {
      var id = vocabulary.get(gram)
      if (id === undefined) { id = df.length; vocabulary.set(gram, id); df.push(0) }
      df[id]++
      ids.push(id)
      tfs.push(count)
    })
    start.push(ids.length)
  }
  var n = phrasings.length, features = df.length
  var idf = new Float64Array(features)
  for (var f = 0; f < features; f++) idf[f] = Math.log((1 + n) / (1 + df[f])) + 1
  var weights = new Float64Array(ids.length)
  for (var r = 0; r < n; r++) {
    var norm = 0
    for (var k = start[r]; k < start[r + 1]; k++) {
      weights[k] = (1 + Math.log(tfs[k])) * idf[ids[k]]
      norm += weights[k] * weights[k]
    }
    norm = Math.sqrt(norm) || 1
    for (k = start[r]; k < start[r + 1]; k++) weights[k] /= norm
  }
  // Centroids: each article's rows summed (dense scratch, reset where touched), normalised.
  var scratch = new Float64Array(features), cIds = [], cWeights = [], cOwner = []
  for (var a = 0, row = 0; a < articles; a++) {
    var touched = []
    for (; row < n && owner[row] === a; row++) {
      for (k = start[row]; k < start[row + 1]; k++) {
        if (scratch[ids[k]] === 0) touched.push(ids[k])
        scratch[ids[k]] += weights[k]
      }
    }
    norm = 0
    for (k = 0; k < touched.length; k++) norm += scratch[touched[k]] * scratch[touched[k]]
    norm = Math.sqrt(norm) || 1
    for (k = 0; k < touched.length; k++) {
      cIds.push(touched[k]); cWeights.push(scratch[touched[k]] / norm); cOwner.push(a)
      scratch[touched[k]] = 0
    }
  }
  var rowOwner = new Int32Array(ids.length)
  for (r = 0; r < n; r++) rowOwner.fill(r, start[r], start[r + 1])
  return {
    vocabulary: vocabulary, idf: idf, analyze: analyze,
    rows: postings(ids, weights, rowOwner, features),
    centroids: postings(cIds, cWeights, cOwner, features)
  }
}

// Feature -> (row, weight) lists as one CSR structure, by counting sort.
function postings(ids, weights, rows, features) {
  var start = new Int32Array(features + 1)
  for (var k = 0; k < ids.length; k++) start[ids[k] + 1]++
  for (var f = 0; f < features; f++) start[f + 1] += start[f]
  var fill = start.slice(0, features), row = new Int32Array(ids.length), weight = new Float32Array(ids.length)
  for (k = 0; k < ids.length; k++) {
    var at = fill[ids[k]]++
    row[at] = rows[k]
    weight[at] = weights[k]
  }
  return { start: start, row: row, weight: weight }
}

function queryVector(sp, text) {
  var ids = [], weights = [], norm = 0
  counts(sp.analyze(text)).forEach(function (count, gram) {
    var id = sp.vocabulary.get(gram)
    if (id === undefined) return  // unknown features carry no weight, as in scikit-learn
    var w = (1 + Math.log(count)) * sp.idf[id]
    ids.push(id); weights.push(w); norm += w * w
  })
  norm = Math.sqrt(norm) || 1
  return { ids: ids, weights: weights.map(function (w) { return w / norm }) }
}

function cosines(vector, lists, size) {
  var scores = new Float64Array(size)
  for (var i = 0; i < vector.ids.length; i++) {
    var w = vector.weights[i], id = vector.ids[i]
    for (var k = lists.start[id]; k < lists.start[id + 1]; k++) scores[lists.row[k]] += w * lists.weight[k]
  }
  return scores
}

// ---- fuzzy: rapidfuzz's ratio on stop-word-free sorted words ---------------------------------

function fuzzyKey(text, stop) {
  var words = text.split(" ").filter(Boolean)
  var kept = words.filter(function (w) { return !stop.has(w) })
  return (kept.length ? kept : words).sort().join(" ")
}

function ratio(a, b) {
  if (!a.length && !b.length) return 1
  var previous = new Uint16Array(b.length + 1), current = new Uint16Array(b.length + 1)
  for (var i = 1; i <= a.length; i++) {
    for (var j = 1; j <= b.length; j++) {
      current[j] = a.charCodeAt(i - 1) === b.charCodeAt(j - 1)
        ? previous[j - 1] + 1 : Math.max(previous[j], current[j - 1])
    }
    var swap = previous; previous = current; current = swap
  }
  return 2 * previous[b.length] / (a.length + b.length)
}

// ---- index and search -----------------------------------------------------------------------

function build(docs, config) {
  var articles = [], phrasings = [], owner = []
  docs.forEach(function (doc) {
    if (!Array.isArray(doc.phrasings) || !doc.phrasings.length) return
    var a = articles.length
    articles.push({
      location: doc.location, title: String(doc.title || ""),
      text: String(doc.excerpt === undefined ? doc.text || "" : doc.excerpt), first: phrasings.length,
      body: String(doc.body || "")
    })
    doc.phrasings.forEach(function (p) { phrasings.push(String(p)); owner.push(a) })
  })
  var stop = new Set(config.stop_words || [])
  var bodyArticles = new Map()
  articles.forEach(function (doc, a) {
    new Set(doc.body.split(" ")).forEach(function (token) {
      if (!token) return
      var list = bodyArticles.get(token)
      if (list) list.push(a); else bodyArticles.set(token, [a])
    })
    doc.body = null  // only the token index is needed from here on
  })
  return {
    bodyArticles: bodyArticles, bodyTokens: Array.from(bodyArticles.keys()).sort(),
    articles: articles, owner: owner, stop: stop,
    keys: phrasings.map(function (p) { return fuzzyKey(p, stop) }),
    chars: space(phrasings, owner, articles.length, charGrams),
    words: space(phrasings, owner, articles.length, wordGrams)
  }
}

function search(raw) {
  var query = normalize(raw.replace(/[*+~^]/g, " "))
  if (!query) return { items: [] }
  var articles = index.articles, count = articles.length
  var charQuery = queryVector(index.chars, query)
  var rowScores = cosines(charQuery, index.chars.rows, index.owner.length)
  var charMax = new Float64Array(count)
  for (var r = 0; r < rowScores.length; r++) {
    if (rowScores[r] > charMax[index.owner[r]]) charMax[index.owner[r]] = rowScores[r]
  }
  var charCentroid = cosines(charQuery, index.chars.centroids, count)
  var wordCentroid = cosines(queryVector(index.words, query), index.words.centroids, count)
  var words = query.split(" ")
  var body = bodyCoverage(words)
  var partial = new Float64Array(count)
  for (var a = 0; a < count; a++) {
    partial[a] = (charMax[a] + charCentroid[a] + wordCentroid[a]) / 4 + BODY_WEIGHT * body[a]
  }
  // Fuzzy is the costly signal: only for the best candidates by the others (it adds at most
  // 1/4, so an article outside them could only overtake one with a much better partial score).
  var order = Array.from(partial.keys()).sort(function (x, y) { return partial[y] - partial[x] || x - y })
  var key = fuzzyKey(query, index.stop)
  var fused = order.slice(0, CANDIDATES).map(function (a) {
    var best = 0
    var end = a + 1 < count ? articles[a + 1].first : index.owner.length
    for (var p = articles[a].first; p < end; p++) best = Math.max(best, ratio(key, index.keys[p]))
    return { article: a, score: partial[a] + best / 4 }
  })
  fused.sort(function (x, y) { return y.score - x.score || x.article - y.article })
  var top = fused.length ? fused[0].score : 0
  var items = fused
    .filter(function (hit) {
      // Shown only with some evidence: a whole word (or pair) of the query in a phrasing, a
      // close spelling of one (a typo), or half its words in the text; "zebracorn" shares
      // only scattered letter pairs.
      var a = hit.article
      return (wordCentroid[a] > 0 || charMax[a] >= EVIDENCE || body[a] >= 0.5) && hit.score >= top * 0.4
    })
    .slice(0, RESULTS)
    .map(function (hit) {
      var doc = articles[hit.article]
      return [{
        location: doc.location,
        title: highlight(doc.title, words),
        text: highlight(doc.text, words),
        score: hit.score,
        terms: {}  // no "Missing:" line: a question is not a list of required words
      }]
    })
  return { items: items }
}

// Share of the query's words (not stop words) that begin a word of each article's text.
function bodyCoverage(words) {
  var coverage = new Float64Array(index.articles.length)
  var wanted = words.filter(function (w) { return w.length >= 2 && !index.stop.has(w) })
  var tokens = index.bodyTokens
  wanted.forEach(function (word) {
    var seen = new Set()
    var lo = 0, hi = tokens.length
    while (lo < hi) { var mid = (lo + hi) >> 1; if (tokens[mid] < word) lo = mid + 1; else hi = mid }
    for (var t = lo; t < tokens.length && tokens[t].startsWith(word); t++) {
      index.bodyArticles.get(tokens[t]).forEach(function (a) { seen.add(a) })
    }
    seen.forEach(function (a) { coverage[a] += 1 / wanted.length })
  })
  return coverage
}

// ---- display --------------------------------------------------------------------------------

// Marks the query's words (3 letters or more) where they start a word of ``html`` (already
// escaped by kb/site/search.py; "&amp;" and "&#39;" are never split: "&" and "#" do not start words).
function highlight(html, words) {
  var wanted = words.filter(function (w) { return w.length >= 3 && !index.stop.has(w) })
  if (!wanted.length) return html
  var pattern = new RegExp("(^|[^\\p{L}\\p{N}&#])(" + wanted.map(function (w) {
    return w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  }).join("|") + ")", "giu")
  return html.replace(pattern, "$1<mark data-md-highlight>$2</mark>")
}
