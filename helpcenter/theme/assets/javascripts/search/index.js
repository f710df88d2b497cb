/*
 * Turns the prebuilt index file (helpcenter/search/index.py documents its form) into the
 * lunr.Index that lunr.Index.load would give for lunr's own serialized index: the same inverted
 * index, the same BM25 field vectors (lunr.Builder's formula, its k1 and b, lunr.idf's), the
 * same token set. The postings were counted at build time, so no text is analysed here, and the
 * work is done in two passes over them: a first search waits for the download, not the index.
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) {
    module.exports = factory();
  } else {
    root.searchIndex = factory();
  }
})(this, function () {
  "use strict";

  // No metadata is stored (no positions): every posting shares lunr's empty metadata object.
  var NO_METADATA = Object.freeze(Object.create(null));

  /* A term's lunr posting, `{_index, field: {ref: metadata}}`, from its encoded lists, each
     document's length after it when `withLengths`. */
  function posting(data, encodedLists, termIndex, withLengths) {
    var entry = Object.create(null);
    entry._index = termIndex;
    data.fields.forEach(function (field, position) {
      var documents = entry[field[0]] = Object.create(null);
      var encoded = encodedLists[position];
      var ref = -1;
      for (var i = 0; i < encoded.length; i++) {
        if (encoded[i] >= 0) {
          ref += encoded[i] + 1;
          documents[ref] = NO_METADATA;
          if (withLengths) i++;
        }
      }
    });
    return entry;
  }

  /* The inverted index, each term's posting made by `make` when a query first reads it: most
     terms are never searched, and making them all would take longer than everything else.
     `make` may have no posting yet (a shard not loaded): the term then reads as in no document,
     until it has. */
  function invertedIndex(data, make) {
    var index = Object.create(null);
    data.terms.forEach(function (term, termIndex) {
      Object.defineProperty(index, term, {
        configurable: true,
        enumerable: true,
        get: function () {
          var value = make(termIndex);
          if (value === null) return posting(data, data.fields.map(none), termIndex, false);
          Object.defineProperty(index, term, { value: value, enumerable: true });
          return value;
        }
      });
    });
    return index;
  }

  function none() {
    return [];
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

  function parameters(lunr) {
    var defaults = new lunr.Builder();
    return { k1: defaults._k1, b: defaults._b };
  }

  /* lunr.idf for every term of a whole index. */
  function inverseDocumentFrequencies(data) {
    return data.terms.map(function (term, termIndex) {
      var withTerm = 0;
      data.postings.forEach(function (byTerm) {
        var encoded = byTerm[termIndex];
        for (var i = 0; i < encoded.length; i++) if (encoded[i] >= 0) withTerm++;
      });
      return inverseDocumentFrequency(data.docs.length, withTerm);
    });
  }

  /* Each document's vector for each field of a whole index, its terms in index order. */
  function fieldVectors(lunr, data, idf) {
    var bm25 = parameters(lunr);
    var vectors = Object.create(null);
    data.fields.forEach(function (field, position) {
      var name = field[0], boost = field[1], lengths = data.lengths[position];
      var average = lengths.reduce(function (sum, length) { return sum + length; }, 0) /
        lengths.length;
      var elements = lengths.map(function () { return []; });
      data.postings[position].forEach(function (encoded, termIndex) {
        var ref = -1, tf = 1;
        for (var i = 0; i < encoded.length; i++) {
          if (encoded[i] < 0) {
            tf = -encoded[i];
            continue;
          }
          ref += encoded[i] + 1;
          elements[ref].push(
            termIndex, fieldScore(bm25, idf[termIndex], tf, lengths[ref], average, boost));
          tf = 1;
        }
      });
      elements.forEach(function (vector, ref) {
        vectors[name + "/" + ref] = new lunr.Vector(vector);
      });
    });
    return vectors;
  }

  function lunrIndex(lunr, data, inverted, vectors) {
    return new lunr.Index({
      invertedIndex: inverted,
      fieldVectors: vectors,
      tokenSet: lunr.TokenSet.fromArray(data.terms),
      fields: data.fields.map(function (field) { return field[0]; }),
      pipeline: new lunr.Pipeline()
    });
  }

  /* The lunr.Index of a whole index file. */
  function load(lunr, data) {
    var inverted = invertedIndex(data, function (termIndex) {
      return posting(data, data.postings.map(function (byTerm) { return byTerm[termIndex]; }),
                     termIndex, false);
    });
    var vectors = fieldVectors(lunr, data, inverseDocumentFrequencies(data));
    return lunrIndex(lunr, data, inverted, vectors);
  }

  /* The file of `files` (`[[first, name], ...]`, by first item) that holds item `position`. */
  function fileOf(files, position) {
    var low = 0, high = files.length - 1;
    while (low < high) {
      var middle = (low + high + 1) >> 1;
      if (files[middle][0] <= position) low = middle;
      else high = middle - 1;
    }
    return files[low];
  }

  /*
   * An index file as a search reads it: `index` (the lunr.Index), `doc(ref)` (what a result
   * shows) and `category(ref)`. A whole index has everything. A split one (its `shards`, see
   * helpcenter/search/index.py) has the postings and the documents of the files given to
   * `add(name, content)` only: what a search read that no file given has yet, `missing` names
   * the files of, and the search is to be made again once they are given (each file once). A
   * shard's terms are scored with the whole index's idf and average lengths, into partial field
   * vectors that hold the terms loaded, in index order: lunr's similarity only multiplies the
   * terms a query has, so the scores are the whole index's.
   */
  function open(lunr, data) {
    var missing = new Set();
    if (!data.shards) {
      return {
        index: load(lunr, data),
        missing: missing,
        doc: function (ref) { return data.docs[ref]; },
        category: function (ref) { return Boolean(data.docs[ref][4]); },
        add: function () {}
      };
    }
    var bm25 = parameters(lunr);
    var postings = new Map();  // term index: its lunr posting
    var docs = new Map();  // document: its `docs` entry
    var vectors = Object.create(null);
    var averages = data.lengths.map(function (total) { return total / data.documents; });
    var categories = new Set(data.categories);
    var shards = new Map(data.shards.map(function (shard) { return [shard[1], shard[0]]; }));
    var docShards = new Map(data.docShards.map(function (shard) { return [shard[1], shard[0]]; }));

    /* A shard's terms, consecutive in index order: each document field's new elements form one
       block, spliced once into its vector where the terms before them end. */
    function addPostings(first, list) {
      var blocks = new Map();  // field/ref: the shard's elements of its vector, in index order
      list.forEach(function (lists, offset) {
        var termIndex = first + offset;
        var withTerm = 0;
        lists.forEach(function (encoded) {
          for (var i = 0; i < encoded.length; i++) if (encoded[i] >= 0) { withTerm++; i++; }
        });
        var idf = inverseDocumentFrequency(data.documents, withTerm);
        data.fields.forEach(function (field, position) {
          var encoded = lists[position], ref = -1, tf = 1;
          for (var i = 0; i < encoded.length; i++) {
            if (encoded[i] < 0) {
              tf = -encoded[i];
              continue;
            }
            ref += encoded[i] + 1;
            var length = encoded[++i];
            var key = field[0] + "/" + ref;
            var block = blocks.get(key);
            if (!block) blocks.set(key, block = []);
            block.push(
              termIndex, fieldScore(bm25, idf, tf, length, averages[position], field[1]));
            tf = 1;
          }
        });
        postings.set(termIndex, posting(data, lists, termIndex, true));
      });
      blocks.forEach(function (block, key) {
        var vector = vectors[key] || (vectors[key] = new lunr.Vector([]));
        var at = vector.positionForIndex(block[0]);
        vector.elements = vector.elements.slice(0, at).concat(block, vector.elements.slice(at));
        vector._magnitude = 0;
      });
    }

    var inverted = invertedIndex(data, function (termIndex) {
      var found = postings.get(termIndex);
      if (found) return found;
      missing.add(fileOf(data.shards, termIndex)[1]);
      return null;
    });
    return {
      index: lunrIndex(lunr, data, inverted, vectors),
      missing: missing,
      doc: function (ref) {
        var found = docs.get(ref);
        if (!found) missing.add(fileOf(data.docShards, ref)[1]);
        return found || null;
      },
      category: function (ref) { return categories.has(ref); },
      add: function (name, content) {
        if (shards.has(name)) {
          addPostings(shards.get(name), content);
        } else if (docShards.has(name)) {
          var firstDoc = docShards.get(name);
          content.forEach(function (doc, offset) { docs.set(firstDoc + offset, doc); });
        }
      }
    };
  }

  return { load: load, open: open, fileOf: fileOf };
});
