/*
 * Turns the prebuilt index file (helpcenter/search/index.py documents its form) into the
 * lunr.Index that lunr.Index.load would give for lunr's own serialized index: the same inverted
 * index, the same BM25 field vectors (lunr.Builder's formula, its k1 and b, lunr.idf), the same
 * token set. The postings were counted at build time, so no text is analysed here, and the
 * vectors are made in one pass, already sorted: a first search waits for the download, not for
 * the index.
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

  function averages(lengths) {
    return lengths.map(function (byDoc) {
      var total = 0;
      for (var i = 0; i < byDoc.length; i++) total += byDoc[i];
      return total / byDoc.length;
    });
  }

  function load(lunr, data) {
    var defaults = new lunr.Builder();
    var k1 = defaults._k1, b = defaults._b;
    var names = data.fields.map(function (field) { return field[0]; });
    var documentCount = data.docs.length;
    var averageLengths = averages(data.lengths);
    var elements = names.map(function () {
      return data.docs.map(function () { return []; });
    });
    var invertedIndex = Object.create(null);

    data.terms.forEach(function (term, termIndex) {
      var posting = Object.create(null);
      posting._index = termIndex;
      var frequencies = names.map(function (name, position) {
        var documents = posting[name] = Object.create(null);
        var found = [];
        var entries = data.postings[position][termIndex];
        var ref = -1, frequency = 1;
        for (var i = 0; i < entries.length; i++) {
          if (entries[i] < 0) {
            frequency = -entries[i];
            continue;
          }
          ref += entries[i] + 1;
          documents[ref] = NO_METADATA;
          found.push(ref, frequency);
          frequency = 1;
        }
        return found;
      });
      invertedIndex[term] = posting;
      var idf = lunr.idf(posting, documentCount);
      frequencies.forEach(function (found, position) {
        var boost = data.fields[position][1];
        var lengths = data.lengths[position];
        for (var i = 0; i < found.length; i += 2) {
          var ref = found[i], tf = found[i + 1];
          var score = idf * ((k1 + 1) * tf) /
            (k1 * (1 - b + b * (lengths[ref] / averageLengths[position])) + tf);
          elements[position][ref].push(termIndex, Math.round(score * boost * 1000) / 1000);
        }
      });
    });

    var fieldVectors = Object.create(null);
    names.forEach(function (name, position) {
      elements[position].forEach(function (vector, ref) {
        fieldVectors[name + "/" + ref] = new lunr.Vector(vector);
      });
    });
    return new lunr.Index({
      invertedIndex: invertedIndex,
      fieldVectors: fieldVectors,
      tokenSet: lunr.TokenSet.fromArray(data.terms),
      fields: names,
      pipeline: new lunr.Pipeline()
    });
  }

  return { load: load };
});
