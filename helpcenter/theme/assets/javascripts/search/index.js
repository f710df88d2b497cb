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

  /* A term's lunr posting, `{_index, field: {ref: metadata}}`, from its encoded lists. */
  function posting(data, termIndex) {
    var entry = Object.create(null);
    entry._index = termIndex;
    data.fields.forEach(function (field, position) {
      var documents = entry[field[0]] = Object.create(null);
      var encoded = data.postings[position][termIndex];
      var ref = -1;
      for (var i = 0; i < encoded.length; i++) {
        if (encoded[i] >= 0) {
          ref += encoded[i] + 1;
          documents[ref] = NO_METADATA;
        }
      }
    });
    return entry;
  }

  /* The inverted index, each term's posting made when a query first reads it: most terms are
     never searched, and making them all would take longer than everything else. */
  function invertedIndex(data) {
    var index = Object.create(null);
    data.terms.forEach(function (term, termIndex) {
      Object.defineProperty(index, term, {
        configurable: true,
        enumerable: true,
        get: function () {
          var value = posting(data, termIndex);
          Object.defineProperty(index, term, { value: value, enumerable: true });
          return value;
        }
      });
    });
    return index;
  }

  /* lunr.idf for every term: it counts a document once per field that has the term. */
  function inverseDocumentFrequencies(data) {
    var documents = data.docs.length;
    return data.terms.map(function (term, termIndex) {
      var withTerm = 0;
      data.postings.forEach(function (byTerm) {
        var encoded = byTerm[termIndex];
        for (var i = 0; i < encoded.length; i++) if (encoded[i] >= 0) withTerm++;
      });
      return Math.log(1 + Math.abs((documents - withTerm + 0.5) / (withTerm + 0.5)));
    });
  }

  /* Each document's vector for each field, its terms in index order, as lunr.Builder scores
     them (BM25 with its k1 and b, the field's boost, three decimals). */
  function fieldVectors(lunr, data, idf) {
    var defaults = new lunr.Builder();
    var k1 = defaults._k1, b = defaults._b;
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
          var score = idf[termIndex] * ((k1 + 1) * tf) /
            (k1 * (1 - b + b * (lengths[ref] / average)) + tf);
          elements[ref].push(termIndex, Math.round(score * boost * 1000) / 1000);
          tf = 1;
        }
      });
      elements.forEach(function (vector, ref) {
        vectors[name + "/" + ref] = new lunr.Vector(vector);
      });
    });
    return vectors;
  }

  function load(lunr, data) {
    return new lunr.Index({
      invertedIndex: invertedIndex(data),
      fieldVectors: fieldVectors(lunr, data, inverseDocumentFrequencies(data)),
      tokenSet: lunr.TokenSet.fromArray(data.terms),
      fields: data.fields.map(function (field) { return field[0]; }),
      pipeline: new lunr.Pipeline()
    });
  }

  return { load: load };
});
