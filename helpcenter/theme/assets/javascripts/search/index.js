/*
 * The prebuilt index (helpcenter/search/index.py documents its files) as a search reads it, and
 * lunr's scoring of a query over it. The postings were counted at build time, so no text is
 * analysed here, and nothing is made for a term until a query reads it: a first search waits
 * for the download, not for the index, and a large index that comes in files (a split one)
 * scores from the files loaded.
 *
 * A term's weight in a document's field is lunr.Builder's (BM25 with its k1 and b, lunr.idf,
 * the field's boost, three decimals), and `query` scores as lunr.Index.prototype.query does for
 * the queries the engine makes (optional terms, boosts, trailing wildcards, every field): the
 * query vector's boosts, its magnitude, each field's cosine summed per document in the order
 * lunr meets its fields, ties in the order lunr meets the documents. What lunr.js does besides
 * (an object per matching field, sets of references, whole document vectors) is not done: a
 * word most articles have is scored in a few milliseconds.
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) {
    module.exports = factory();
  } else {
    root.searchIndex = factory();
  }
})(this, function () {
  "use strict";

  function parameters(lunr) {
    var defaults = new lunr.Builder();
    return { k1: defaults._k1, b: defaults._b };
  }

  /* lunr.idf: it counts a document once per field that has the term. */
  function inverseDocumentFrequency(documents, withTerm) {
    return Math.log(1 + Math.abs((documents - withTerm + 0.5) / (withTerm + 0.5)));
  }

  /* A term's score in a document's field, as lunr.Builder scores it (BM25 with its k1 and b,
     the field's boost, three decimals). */
  function fieldScore(bm25, idf, tf, length, average, boost) {
    var score = idf * ((bm25.k1 + 1) * tf) /
      (bm25.k1 * (1 - bm25.b + bm25.b * (length / average)) + tf);
    return Math.round(score * boost * 1000) / 1000;
  }

  /* The position of the first of `sorted` (strings in JavaScript's order) not before `text`. */
  function lowerBound(sorted, text) {
    var low = 0, high = sorted.length;
    while (low < high) {
      var middle = (low + high) >> 1;
      if (sorted[middle] < text) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /* The file of `files` (`[[first, name], ...]`, by first item) that holds item `position`
     (the first file for an item before all). */
  function fileOf(files, position) {
    var low = 0, high = files.length - 1;
    while (low < high) {
      var middle = (low + high + 1) >> 1;
      if (files[middle][0] <= position) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  function own(object, key) {
    return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
  }

  /*
   * A term as a query reads it: `{term, index, fields}`, `fields` holding for each field the
   * documents that have it (`docs`, ascending) and its weight in each (`weights`). `lists`: its
   * encoded postings in each field, each document followed by its length when `lengthOf` is
   * null, else `lengthOf(field position, document)` gives it.
   */
  function termEntry(scoring, term, index, lists, lengthOf) {
    var withLengths = !lengthOf;
    var withTerm = 0;
    lists.forEach(function (encoded) {
      for (var i = 0; i < encoded.length; i++) {
        if (encoded[i] >= 0) {
          withTerm++;
          if (withLengths) i++;
        }
      }
    });
    var idf = inverseDocumentFrequency(scoring.documents, withTerm);
    var fields = scoring.fields.map(function (field, position) {
      var encoded = lists[position];
      var docs = [], weights = [];
      var ref = -1, tf = 1;
      for (var i = 0; i < encoded.length; i++) {
        if (encoded[i] < 0) {
          tf = -encoded[i];
          continue;
        }
        ref += encoded[i] + 1;
        var length = withLengths ? encoded[++i] : lengthOf(position, ref);
        docs.push(ref);
        weights.push(fieldScore(
          scoring.bm25, idf, tf, length, scoring.averages[position], field[1]));
        tf = 1;
      }
      return { docs: Int32Array.from(docs), weights: Float64Array.from(weights) };
    });
    return { term: term, index: index, fields: fields };
  }

  function contains(docs, ref) {
    var low = 0, high = docs.length - 1;
    while (low <= high) {
      var middle = (low + high) >> 1;
      if (docs[middle] === ref) return true;
      if (docs[middle] < ref) low = middle + 1;
      else high = middle - 1;
    }
    return false;
  }

  /*
   * lunr.Index.prototype.query for `clauses` (`[{entries, boost}, ...]`, each clause's terms as
   * `termEntry` gives them, wildcards already expanded, in clause order) over `documents`
   * documents and `fieldCount` fields: `refs`, the documents found in the order lunr meets them,
   * `scores` (by document) and `terms(ref)`, the keys of the result's matchData.metadata (the
   * terms it matched, in lunr's order). lunr sorts its results, in that order, by score (a
   * stable sort): see `best`, which ranks only the first few.
   */
  function query(clauses, documents, fieldCount) {
    var boosts = new Map();  // term index: its value in the query vector (each field's)
    var met = [];  // the terms, in the order lunr meets them (each once)
    clauses.forEach(function (clause) {
      clause.entries.forEach(function (entry) {
        var boost = boosts.get(entry.index);
        if (boost === undefined) met.push(entry);
        boosts.set(entry.index, boost === undefined ? clause.boost : boost + clause.boost);
      });
    });
    var byIndex = met.slice().sort(function (a, b) { return a.index - b.index; });
    var sumOfSquares = 0;
    byIndex.forEach(function (entry) {
      var value = boosts.get(entry.index);
      sumOfSquares += value * value;
    });
    var magnitude = Math.sqrt(sumOfSquares);
    // Each field's dot product with each document's vector, its terms in index order.
    var dots = [];
    for (var f = 0; f < fieldCount; f++) dots.push(new Float64Array(documents));
    byIndex.forEach(function (entry) {
      var value = boosts.get(entry.index);
      entry.fields.forEach(function (field, position) {
        var dot = dots[position], docs = field.docs, weights = field.weights;
        for (var k = 0; k < docs.length; k++) dot[docs[k]] += value * weights[k];
      });
    });
    // The documents in the order lunr meets them, and each one's fields in that order.
    var order = [];
    var counts = new Uint8Array(documents);
    var fieldOrder = new Uint8Array(documents * fieldCount);
    var seen = new Uint8Array(documents * fieldCount);
    met.forEach(function (entry) {
      entry.fields.forEach(function (field, position) {
        var docs = field.docs;
        for (var k = 0; k < docs.length; k++) {
          var ref = docs[k];
          if (seen[ref * fieldCount + position]) continue;
          seen[ref * fieldCount + position] = 1;
          if (!counts[ref]) order.push(ref);
          fieldOrder[ref * fieldCount + counts[ref]++] = position;
        }
      });
    });
    var scores = new Float64Array(documents);
    order.forEach(function (ref) {
      var score = 0;
      for (var i = 0; i < counts[ref]; i++) {
        var position = fieldOrder[ref * fieldCount + i];
        var similarity = dots[position][ref] / magnitude || 0;
        score = i === 0 ? similarity : score + similarity;
      }
      scores[ref] = score;
    });
    dots = seen = null;  // not kept with the results, which a search keeps

    /* The keys of lunr's matchData.metadata for a document (array indexes first, as lunr's). */
    function terms(ref) {
      var keys = Object.create(null);
      for (var i = 0; i < counts[ref]; i++) {
        var position = fieldOrder[ref * fieldCount + i];
        met.forEach(function (entry) {
          if (contains(entry.fields[position].docs, ref)) keys[entry.term] = true;
        });
      }
      return Object.keys(keys);
    }

    return { refs: order, scores: scores, terms: terms };
  }

  /* The best `count` of `refs` (documents in the order lunr met them) by `scores`, in lunr's
     order of results: by score, a tie in the order met. Without sorting them all: a word most
     documents have finds thousands, and a page shows ten. */
  function best(refs, scores, count) {
    if (count <= 0) return [];
    if (count >= refs.length) {
      return refs.slice().sort(function (a, b) { return scores[b] - scores[a]; });
    }
    var top = [];
    for (var i = 0; i < refs.length; i++) {
      var ref = refs[i], score = scores[ref];
      if (top.length === count && !(score > scores[top[count - 1]])) continue;
      var at = top.length;
      while (at > 0 && scores[top[at - 1]] < score) at--;
      top.splice(at, 0, ref);
      if (top.length > count) top.pop();
    }
    return top;
  }

  function scoringOf(lunr, data, averages, documents) {
    return { bm25: parameters(lunr), fields: data.fields, averages: averages, documents: documents };
  }

  /*
   * A whole index file as a search reads it; every method as `open`'s.
   */
  function whole(lunr, data) {
    var documents = data.docs.length;
    var averages = data.lengths.map(function (lengths) {
      return lengths.reduce(function (sum, length) { return sum + length; }, 0) / lengths.length;
    });
    var scoring = scoringOf(lunr, data, averages, documents);
    var entries = new Map();
    function lengthOf(position, ref) {
      return data.lengths[position][ref];
    }
    return {
      documents: documents,
      missing: new Set(),
      term: function (term) {
        var found = entries.get(term);
        if (found !== undefined) return found;
        var at = lowerBound(data.terms, term);
        found = data.terms[at] !== term ? null : termEntry(scoring, term, at, data.postings.map(
          function (byTerm) { return byTerm[at]; }), lengthOf);
        entries.set(term, found);
        return found;
      },
      completions: function (prefix) {
        var terms = [];
        for (var at = lowerBound(data.terms, prefix);
          at < data.terms.length && data.terms[at].indexOf(prefix) === 0; at++) {
          terms.push(data.terms[at]);
        }
        return terms;
      },
      accents: function (plain) { return own(data.accents, plain) || []; },
      typedAlone: function () { return null; },
      searchedAlone: function () { return null; },
      vocabulary: function () { return data.terms; },
      known: function () { return data.terms; },
      doc: function (ref) { return data.docs[ref]; },
      category: function (ref) { return Boolean(data.docs[ref][4]); },
      textFile: function (ref) {
        return data.texts.length ? data.texts[fileOf(data.texts, ref)] : null;
      },
      add: function () {}
    };
  }

  /*
   * A split index (its `shards`, see helpcenter/search/index.py) as a search reads it, from the
   * files given to `add(name, content)` (each once). A term's postings are scored with the whole
   * index's idf and average lengths, so the scores are the whole index's. What a search reads
   * that no file given has yet, `missing` names the files of (and the method returns
   * undefined): the search is to be made again once they are given.
   */
  function split(lunr, data) {
    var averages = data.lengths.map(function (total) { return total / data.documents; });
    var scoring = scoringOf(lunr, data, averages, data.documents);
    var missing = new Set();
    var firsts = data.shards.map(function (shard) { return [shard[0]]; });
    var shardNumbers = new Map(data.shards.map(function (shard, number) {
      return [shard[1], number];
    }));
    var shards = [];  // by number, once given: its content, and its terms as made
    var docFirsts = new Map(data.docShards.map(function (shard) { return [shard[1], shard[0]]; }));
    var docFiles = new Map();  // a file of docs, once given: {first, docs, texts}
    // What a term's first results show, from its postings file once given: {doc, texts} by
    // document, so that a word's first page of results needs no other file.
    var shown = new Map();
    var vocabulary = null;
    var categories = new Set(data.categories);
    // A word typed alone that completes to terms of several files: the file of what it shows
    // first, by prefix, as named (see `typedAlone`), and the content of each once given (two
    // prefixes that complete to the same terms have the same).
    var prefixFiles = new Map();
    var prefixNames = new Set();
    var prefixContents = new Map();
    // The postings of a term most documents have, in a file of their own (a shard's `apart`):
    // by file, once given.
    var apartNames = new Set();
    var apartPostings = new Map();

    function namePrefixes(named) {
      Object.keys(named || {}).forEach(function (prefix) {
        prefixFiles.set(prefix, named[prefix]);
        prefixNames.add(named[prefix]);
      });
    }
    namePrefixes(data.prefixes);

    /* The shard whose range holds `text` (a term, a prefix, a spelling), or undefined. */
    function shardFor(text) {
      var number = fileOf(firsts, text);
      if (!shards[number]) missing.add(data.shards[number][1]);
      return shards[number];
    }

    /* What a file of a term or of a prefix brings for the first results it shows. */
    function addShown(content) {
      content.refs.forEach(function (ref, at) {
        shown.set(ref, { doc: content.docs[at], texts: content.texts });
      });
    }

    /* The docs entry and text files of a document, or undefined while missing. */
    function docFile(ref) {
      var known = shown.get(ref);
      if (known) return known;
      var name = data.docShards[fileOf(data.docShards, ref)][1];
      if (!docFiles.has(name)) missing.add(name);
      return docFiles.get(name);
    }

    return {
      documents: data.documents,
      missing: missing,
      term: function (term) {
        var shard = shardFor(term);
        if (!shard) return undefined;
        var found = shard.entries.get(term);
        if (found !== undefined) return found;
        var at = lowerBound(shard.terms, term);
        var lists = shard.terms[at] === term ? shard.postings[at] : undefined;
        if (lists === null) {  // apart
          lists = apartPostings.get(shard.apart[term]);
          if (!lists) {
            missing.add(shard.apart[term]);
            return undefined;
          }
        }
        found = lists ? termEntry(scoring, term, shard.first + at, lists, null) : null;
        shard.entries.set(term, found);
        return found;
      },
      /* The terms that start with `prefix`: in the shard of its range, and in the shards after
         whose first term starts with it. */
      completions: function (prefix) {
        var number = fileOf(firsts, prefix);
        var last = number;
        while (last + 1 < firsts.length && firsts[last + 1][0].indexOf(prefix) === 0) last++;
        var terms = [];
        var whole = true;
        for (var n = number; n <= last; n++) {
          if (!shards[n]) {
            missing.add(data.shards[n][1]);
            whole = false;
            continue;
          }
          var shardTerms = shards[n].terms;
          for (var at = n === number ? lowerBound(shardTerms, prefix) : 0;
            at < shardTerms.length && shardTerms[at].indexOf(prefix) === 0; at++) {
            terms.push(shardTerms[at]);
          }
        }
        return whole ? terms : undefined;
      },
      accents: function (plain) {
        var shard = shardFor(plain);
        return shard && (own(shard.accents, plain) || []);
      },
      vocabulary: function () {
        if (!vocabulary) missing.add(data.vocabulary);
        return vocabulary || undefined;
      },
      known: function () {
        return vocabulary || shards.reduce(function (all, shard) {
          return shard ? all.concat(shard.terms) : all;
        }, []);
      },
      doc: function (ref) {
        var file = docFile(ref);
        return file && (file.doc || file.docs[ref - file.first]);
      },
      category: function (ref) { return categories.has(ref); },
      /* `{total, ranked: [[ref, terms], ...]}`: the first results of a word being typed alone
         (`prefix`, folded, of one stem: `stem`), as the build ranked them, or null when it did
         not; undefined while a file that tells is missing: the word's, and the one that names
         it, the file of each shorter prefix up to `prefixLength` letters (the first file names
         those of one letter), the file of its stem's range for a longer word. */
      typedAlone: function (prefix, stem) {
        var starts = [];  // the prefixes whose files tell, in order
        if (prefix.length <= data.prefixLength) {
          for (var length = 1; length <= prefix.length; length++) {
            starts.push(prefix.slice(0, length));
          }
        } else if (shardFor(stem)) {
          starts.push(prefix);
        } else {
          return undefined;
        }
        for (var i = 0; i < starts.length; i++) {
          var name = prefixFiles.get(starts[i]);
          if (!name) return null;
          if (!prefixContents.has(name)) {
            missing.add(name);
            return undefined;
          }
        }
        var answer = prefixContents.get(prefixFiles.get(prefix));
        return answer.ranked ? answer : null;
      },
      /* The first results of a whole word searched alone whose terms are `terms` (as the
         query meets them), as the build ranked them (`{total, ranked}`, as `typedAlone` gives
         them): of one term with the most postings, or of a word with accented spellings whose
         terms are in several files, or one of them apart; otherwise null. Undefined while the
         file of the first term's range is missing. */
      searchedAlone: function (terms) {
        var shard = shardFor(terms[0]);
        if (!shard) return undefined;
        if (terms.length > 1) {
          var spelled = own(shard.spelled, terms.join(" "));
          return spelled ? { total: spelled[0], ranked: spelled[1] } : null;
        }
        var answer = own(shard.ranked, terms[0]);
        return answer ? {
          total: answer[0],
          ranked: answer[1].map(function (ref) { return [ref, [terms[0]]]; })
        } : null;
      },
      textFile: function (ref) {
        var file = docFile(ref);
        return file && file.texts.length ? file.texts[fileOf(file.texts, ref)] : null;
      },
      add: function (name, content) {
        if (shardNumbers.has(name)) {
          var apart = content.apart || {};
          shards[shardNumbers.get(name)] = {
            first: content.first,
            terms: content.terms,
            postings: content.postings,
            accents: content.accents,
            ranked: content.ranked,
            spelled: content.spelled,
            apart: apart,
            entries: new Map()
          };
          Object.keys(apart).forEach(function (term) { apartNames.add(apart[term]); });
          addShown(content);
          namePrefixes(content.prefixes);
        } else if (prefixNames.has(name)) {
          prefixContents.set(name, content);
          namePrefixes(content.prefixes);
          if (content.ranked) addShown(content);
        } else if (apartNames.has(name)) {
          apartPostings.set(name, content);
        } else if (docFirsts.has(name)) {
          docFiles.set(name, { first: docFirsts.get(name), docs: content.docs, texts: content.texts });
        } else if (name === data.vocabulary) {
          vocabulary = content;
        }
      }
    };
  }

  /*
   * An index file as a search reads it:
   * - `term(term)`: the term as `query` reads it (see `termEntry`), null when no page has it;
   * - `completions(prefix)`: the terms that start with `prefix`, in order;
   * - `accents(plain)`: the other stems of the accented spellings of a stem (the file's
   *   `accents`);
   * - `vocabulary()`: every term; `known()`: the terms at hand, for rehearsals;
   * - `doc(ref)`: what a result shows; `category(ref)`; `textFile(ref)`: `[first, name]` of the
   *   file of its text, or null;
   * - `typedAlone(prefix, stem)`, `searchedAlone(terms)`: see `split` (a whole index has no such
   *   results: null);
   * - `documents`: how many; `missing`, `add(name, content)`: see `split`.
   */
  function open(lunr, data) {
    return data.shards ? split(lunr, data) : whole(lunr, data);
  }

  return { open: open, query: query, best: best };
});
