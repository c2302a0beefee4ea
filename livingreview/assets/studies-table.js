/*
 * The filterable study table of "Generative AI in Clinical Practice" (static HTML book).
 *
 * livingreview/book/studies_page.py writes a complete <table> of the studies; this classic script
 * (no modules, no dependencies, no network) enhances it in place: free-text search, facet,
 * year and month-added filters, sorting, paging, a live "N of M studies" count with each term's
 * count beside it, a reset, CSV, BibTeX and RIS downloads of the filtered rows, the view in the
 * URL query string (the same parameters as livingreview.data.filters.FilterState, plus the
 * order) and a link that opens the same view in the Binder explorer. In a narrow box (a phone)
 * the controls other than the search sit behind one "Filters" button.
 *
 * The rules are not written here. The page carries them as JSON (<script class="lr-st-spec">,
 * from livingreview.book.studies_page.page_spec): the facets and their query keys, the year and
 * month syntax, how text is normalised and split into words, the words each tag is found by, the
 * bounds on a query (livingreview.data.filters), the CSV format and how BibTeX and RIS records
 * are joined (livingreview.data.exports) and the orders. Rules below reads them; the Python
 * package follows the same ones, and tests/test_filter_agreement.py holds the two together.
 *
 * The page holds only the first page of rows (its first load must not grow with the table), and
 * each action loads only what it needs, from files beside the page (studies_page.table_files,
 * each a classic script calling lrStudyTableData(), so that it works from file:// as over http):
 * the filters' index at the first touch of the table (or at once when the link asks for a view),
 * the search index at the first search and the studies of the words it finds, the card of each
 * study on the page of results shown, the downloads' text when a download is asked for. A change
 * of the view waits for what it needs (the last one wins); the count is drawn as soon as the
 * index allows, the rows once their cards are here. A row's node is made from its card only when
 * it is first shown, and only the current page is attached to the document. The cards' HTML is
 * the package's own, escaped output; study text is otherwise only written with textContent.
 * Licence: MIT (the project's code licence).
 */
(function () {
  "use strict";

  var ANNOUNCE_DELAY = 600; // ms of quiet typing before the screen-reader count is announced
  var URL_DELAY = 250; // ms; history.replaceState is rate-limited by browsers

  var collator = new Intl.Collator(undefined, { sensitivity: "base", numeric: true });
  var plurals = new Intl.PluralRules("en");

  // "1 study", "2 studies": the noun for a count, as livingreview.text.wording.plural words it.
  function studies(n) {
    return plurals.select(n) === "one" ? "study" : "studies";
  }

  function characterClass(chars) {
    return Array.from(chars)
      .map(function (c) {
        return "\\u{" + c.codePointAt(0).toString(16) + "}";
      })
      .join("");
  }

  /* ------------------------------------------------- the rules, read from the page */

  function Rules(spec) {
    var filter = spec.filter;
    var space = characterClass(filter.spaces);
    var folds = filter.folds;
    this.filter = filter;
    this.csvSpec = spec.csv;
    this.spaces = new RegExp("[" + space + "]+", "u");
    this.edges = new RegExp("^[" + space + "]+|[" + space + "]+$", "gu");
    this.leading = new RegExp("^[" + space + "]+", "u");
    this.folded = new RegExp("[" + characterClass(Object.keys(folds).join("")) + "]", "gu");
    this.folds = folds;
    this.year = new RegExp(filter.year_pattern, "u");
    this.month = new RegExp(filter.added_pattern, "u");
    this.quoteCell = new RegExp("[" + characterClass(spec.csv.quote_cell_if) + "]", "u");
    this.quoteRow = new RegExp("[" + characterClass(spec.csv.quote_row_if) + "]", "u");
  }

  // White space at both ends removed, as Python's str.strip() does.
  Rules.prototype.strip = function (text) {
    return String(text).replace(this.edges, "");
  };

  // The form both the index and the query are compared in (livingreview.data.filters.normalise_text).
  Rules.prototype.norm = function (text) {
    var folds = this.folds;
    return String(text)
      .normalize(this.filter.normal_form)
      .toLowerCase()
      .replace(this.folded, function (c) {
        return folds[c];
      });
  };

  Rules.prototype.words = function (text) {
    return this.norm(text).split(this.spaces).filter(Boolean);
  };

  // 'YYYY' or 'YYYY-YYYY' (an en dash too); anything else gives null (parse_year_range).
  Rules.prototype.parseYears = function (value) {
    var match = this.year.exec(String(value));
    if (!match) return null;
    var first = parseInt(match[1], 10);
    var last = match[2] === undefined ? first : parseInt(match[2], 10);
    return [Math.min(first, last), Math.max(first, last)];
  };

  // 'YYYY-MM' as the month it names, or null (filters.parse_month).
  Rules.prototype.parseMonth = function (value) {
    var match = this.month.exec(String(value));
    return match ? match[1] + "-" + match[2] : null;
  };

  // [key, value] pairs of a query string, as FilterState.from_query reads them: its first
  // max_query_chars characters, keys stripped and lower-cased, empty values dropped.
  Rules.prototype.parseQuery = function (search) {
    var self = this;
    var text = Array.from(String(search || ""))
      .slice(0, this.filter.max_query_chars)
      .join("");
    var pairs = [];
    new URLSearchParams(text.replace(this.leading, "").replace(/^\?/, "")).forEach(function (value, key) {
      if (value) pairs.push([self.strip(key).toLowerCase(), value]);
    });
    return pairs;
  };

  // The search text of a query: at most max_text_chars characters (code points, as Python counts).
  Rules.prototype.clipText = function (text) {
    return Array.from(text).slice(0, this.filter.max_text_chars).join("");
  };

  // A query string from [key, value] pairs; the term separator stays readable, as in
  // FilterState.to_query (spaces come out as '+', which every reader takes for a space).
  Rules.prototype.writeQuery = function (pairs) {
    var params = new URLSearchParams();
    pairs.forEach(function (pair) {
      params.append(pair[0], pair[1]);
    });
    var separator = this.filter.term_separator;
    var text = params.toString().split(encodeURIComponent(separator)).join(separator);
    return text ? "?" + text : "";
  };

  // One row of the CSV download, as livingreview.data.exports.to_csv writes it.
  Rules.prototype.csvRow = function (values) {
    var csv = this.csvSpec;
    var self = this;
    var cells = values.map(function (value) {
      value = value == null ? "" : String(value);
      return value && csv.formula_triggers.indexOf(value.charAt(0)) >= 0 ? "'" + value : value;
    });
    var quoteAll = cells.some(function (cell) {
      return self.quoteRow.test(cell);
    });
    return cells
      .map(function (cell) {
        return quoteAll || self.quoteCell.test(cell) ? '"' + cell.replace(/"/g, '""') + '"' : cell;
      })
      .join(",");
  };

  /* ------------------------------------------------------- the index's encodings */

  // A column of the index coded as studies_page._coded_column writes it: the value of every row.
  function codedColumn(column, digits) {
    var value = Object.create(null);
    for (var d = 0; d < digits.length; d++) value[digits.charAt(d)] = d;
    var width = column.width;
    var rows = column.rows;
    var out = new Array(rows.length / width);
    for (var r = 0, at = 0; at < rows.length; r++, at += width) {
      var n = 0;
      for (var k = 0; k < width; k++) n = n * digits.length + value[rows.charAt(at + k)];
      out[r] = column.values[n];
    }
    return out;
  }

  // A facet column of the index (studies_page.index_data): every row's term keys.
  function termColumn(column, digits, total) {
    var value = Object.create(null);
    for (var d = 0; d < digits.length; d++) value[digits.charAt(d)] = d;
    var cells = total ? column.rows.split(",") : [];
    return cells.map(function (cell) {
      var keys = [];
      for (var at = 0; at < cell.length; at += column.width) {
        var n = 0;
        for (var k = 0; k < column.width; k++) n = n * digits.length + value[cell.charAt(at + k)];
        keys.push(column.keys[n]);
      }
      return keys;
    });
  }

  // Marks in `hits` the studies of a word or gram, written as studies_page.postings writes them:
  // 'g' and base-36 gaps between positions, or 'b' and a base64 bitset.
  function addPostings(hits, text) {
    if (text.charAt(0) === "g") {
      if (text.length < 2) return;
      var gaps = text.slice(1).split(".");
      for (var g = 0, at = 0; g < gaps.length; g++) {
        at += parseInt(gaps[g], 36);
        hits[at] = 1;
      }
    } else {
      var bytes = atob(text.slice(1));
      for (var b = 0; b < bytes.length; b++) {
        var byte = bytes.charCodeAt(b);
        for (var k = 0; byte; k++, byte >>= 1) if (byte & 1) hits[b * 8 + k] = 1;
      }
    }
  }

  /* ------------------------------------------------------------------- download */

  // 'November 2026' for '2026-11', as livingreview.text.wording.month_label words it.
  function monthLabel(month) {
    var date = new Date(Date.UTC(parseInt(month.slice(0, 4), 10), parseInt(month.slice(5, 7), 10) - 1, 1));
    return date.toLocaleDateString("en", { month: "long", year: "numeric", timeZone: "UTC" });
  }

  function download(text, name, type) {
    var blob = new Blob([text], { type: type });
    var href = URL.createObjectURL(blob);
    var link = document.createElement("a");
    link.href = href;
    link.download = name;
    link.hidden = true;
    document.body.appendChild(link);
    link.click();
    setTimeout(function () {
      URL.revokeObjectURL(href);
      link.remove();
    }, 1000);
  }

  /* ---------------------------------------------------------- the data files */

  // A data file calls lrStudyTableData(text) as it runs; the script element that loaded it
  // (document.currentScript) carries the table's receiver.
  window.lrStudyTableData = function (text) {
    var script = document.currentScript;
    if (script && script.lrReceive) script.lrReceive(text);
  };

  /* --------------------------------------------------------------------- table */

  function StudyTable(root) {
    this.root = root;
    this.prefix = root.id;
    var spec = JSON.parse(root.querySelector("script.lr-st-spec").textContent);
    this.rules = new Rules(spec);
    this.table = root.querySelector("table.lr-st-table");
    this.tbody = this.table.tBodies[0];
    this.form = root.querySelector(".lr-st-controls");
    this.search = this.form.querySelector('input[type="search"]');
    this.textKey = spec.filter.text_key;
    this.yearKey = spec.filter.year_key;
    this.sortKey = spec.sort_key;
    this.sorts = spec.sorts;
    this.yearFrom = this.form.querySelector('[data-lr-year="from"]');
    this.yearTo = this.form.querySelector('[data-lr-year="to"]');
    this.sortSelect = this.form.querySelector("[data-lr-sort]");
    this.sizeSelect = this.form.querySelector("[data-lr-page-size]");
    this.expandAll = this.form.querySelector("[data-lr-expand-all]");
    this.downloadButtons = this.form.querySelectorAll(".lr-st-downloads button");
    this.downloadCount = this.form.querySelector(".lr-st-dl-n");
    this.filtersButton = this.form.querySelector('[data-lr-action="filters"]');
    this.filtersBadge = this.form.querySelector(".lr-st-filters-n");
    this.citationSpec = spec.citations;
    this.tagWords = spec.filter.tag_words;
    this.chips = this.form.querySelector(".lr-st-chips");
    this.status = root.querySelector(".lr-st-status");
    this.live = root.querySelector('[role="status"]');
    this.empty = root.querySelector(".lr-st-empty");
    this.pager = root.querySelector(".lr-st-pager");
    this.total = spec.total;
    this.data = spec.data; // {prefix, version}: the files beside the page
    this.codeDigits = spec.code_digits;
    this.explorer = spec.explorer; // the Binder explorer's address, its urlpath last
    this.explorerLink = root.querySelector(".lr-st-explorer");
    this.addedKey = spec.filter.added_key;
    this.added = null; // the month chosen ('YYYY-MM'), from a link
    this.rows = null; // every row, once the filters' index has arrived
    this.searchIndex = null; // the search index, once it has arrived
    this.exported = null; // the downloads' text, once asked for
    this.requested = Object.create(null); // data file -> true once asked for
    this.postings = Object.create(null); // file number -> the studies of a common word or gram
    this.wordHits = Object.create(null); // a search word -> its studies (Uint8Array of 0/1)
    this.pending = null; // the options of an update waiting for data
    this.waitingCards = false; // the page of results waits for cards
    this.page = 0;
    this.pageSize = spec.page_size;
    this.csvName = spec.csv.filename;
    this.matches = [];
    this.announceTimer = 0;
    this.urlTimer = 0;
    this.readColumns();
    this.readFacets(spec.filter.facets);
    // The rows written into the page (the first ones, in table order): reused once data arrives.
    this.firstRows = Array.prototype.slice.call(this.tbody.rows).map(function (tr, i) {
      return { tr: tr, i: i, prepared: false };
    });
  }

  StudyTable.prototype.readColumns = function () {
    var headRows = this.table.tHead.rows;
    var heads = headRows[headRows.length - 1].cells; // the column headers (above them: groups)
    this.sortHeads = [];
    for (var i = 0; i < heads.length; i++) {
      if (heads[i].hasAttribute("data-lr-sort-key")) this.sortHeads.push(heads[i]);
    }
  };

  // The facets in the spec's order, each with its control (<details data-lr-facet="key">).
  StudyTable.prototype.readFacets = function (specs) {
    var self = this;
    this.facets = [];
    specs.forEach(function (spec) {
      var details = self.root.querySelector('details.lr-st-facet[data-lr-facet="' + spec.key + '"]');
      var facet = {
        key: spec.key,
        column: spec.column,
        label: details.querySelector(".lr-st-facet-l").textContent,
        details: details,
        summary: details.querySelector("summary"),
        badge: details.querySelector(".lr-st-facet-n"),
        // Keyed by term: no prototype, so a term such as "constructor" from a link is no key.
        boxes: Object.create(null),
        counts: Object.create(null),
        labels: Object.create(null),
        order: [],
        chosen: []
      };
      details.querySelectorAll('input[type="checkbox"]').forEach(function (box) {
        var option = box.closest("label");
        facet.boxes[box.value] = box;
        facet.counts[box.value] = option.querySelector(".lr-st-c");
        facet.labels[box.value] = option.querySelector(".lr-st-opt-l").textContent;
        facet.order.push(box.value);
      });
      self.facets.push(facet);
    });
  };

  // A file beside the page (studies_page.table_files), by its path there, with the table's version.
  StudyTable.prototype.dataUrl = function (path) {
    return this.data.prefix + "-" + path + "?v=" + encodeURIComponent(this.data.version);
  };

  // Loads a data file once: `receive` gets its data; then the view waiting for data is drawn.
  StudyTable.prototype.fetch = function (path, receive) {
    if (this.requested[path]) return;
    this.requested[path] = true;
    var self = this;
    var script = document.createElement("script");
    script.async = true;
    script.src = this.dataUrl(path);
    script.lrReceive = function (text) {
      receive(JSON.parse(text));
    };
    script.onload = function () {
      script.remove();
      self.resume();
    };
    script.onerror = function () {
      script.remove();
      self.requested[path] = false; // the next change tries again
      self.status.textContent = "Part of the list of studies could not be loaded; the rows shown stay as they are.";
      self.root.setAttribute("data-lr-ready", "error");
    };
    document.head.appendChild(script);
  };

  // Once a data file has arrived: the view that waited for it, or the page that waited for cards.
  StudyTable.prototype.resume = function () {
    if (this.pending) this.update(this.pending);
    else if (this.waitingCards) this.render();
    else this.settle();
  };

  // The filters' index (studies_page.index_data): every row, with what the filters and orders read.
  StudyTable.prototype.receiveIndex = function (data) {
    var digits = this.codeDigits;
    var total = data.total;
    var years = codedColumn(data.year, digits);
    var months = codedColumn(data.added, digits);
    var authors = codedColumn(data.author, digits);
    var terms = this.facets.map(function (facet) {
      return termColumn(data.terms[facet.column], digits, total);
    });
    var rows = new Array(total);
    for (var i = 0; i < total; i++) {
      var first = this.firstRows[i];
      rows[i] = {
        i: i,
        tr: first ? first.tr : null,
        html: null,
        year: years[i] === null ? NaN : years[i],
        month: months[i],
        author: authors[i],
        terms: terms.map(function (column) {
          return column[i];
        }),
        prepared: first ? first.prepared : false
      };
    }
    this.rows = rows;
    this.total = total;
    var known = years.filter(function (y) {
      return y !== null;
    });
    this.minYear = known.length ? Math.min.apply(null, known) : 0;
    this.maxYear = known.length ? Math.max.apply(null, known) : 0;
    this.sorted = null;
    this.root.setAttribute("data-lr-index", "ready");
  };

  // The search index (studies_page.search_index), with each tag's words normalised here.
  StudyTable.prototype.receiveSearch = function (data) {
    var rules = this.rules;
    this.ids = data.ids;
    this.idText = data.ids.map(function (id) {
      return rules.norm(id);
    });
    var tagWords = this.tagWords;
    this.tagText = this.facets.map(function (facet) {
      var words = tagWords[facet.column] || {};
      var normal = Object.create(null);
      Object.keys(words).forEach(function (term) {
        normal[term] = rules.norm(words[term]);
      });
      return normal;
    });
    this.searchIndex = data;
  };

  // What a search word needs from the search index: the studies of its gram (a short word) or of
  // every word of the table that contains it, each inline or a file's number.
  StudyTable.prototype.sources = function (word) {
    var index = this.searchIndex;
    if (Array.from(word).length <= index.gram_length) {
      return Object.prototype.hasOwnProperty.call(index.grams, word) ? [index.grams[word]] : [];
    }
    var found = [];
    for (var k = 0; k < index.words.length; k++) {
      if (index.words[k].indexOf(word) >= 0) found.push(index.studies[k]);
    }
    return found;
  };

  // The studies a search word finds (as filters.filter_studies does: in their text, ids and tags'
  // words), or null while some of its data is on its way (asked for here).
  StudyTable.prototype.hitsOf = function (word) {
    if (this.wordHits[word]) return this.wordHits[word];
    var self = this;
    var sources = this.sources(word);
    var missing = false;
    sources.forEach(function (source) {
      if (typeof source === "number" && self.postings[source] === undefined) {
        missing = true;
        self.fetch("words/" + source + ".js", function (text) {
          self.postings[source] = text;
        });
      }
    });
    if (missing) return null;
    var hits = new Uint8Array(this.total);
    sources.forEach(function (source) {
      addPostings(hits, typeof source === "number" ? self.postings[source] : source);
    });
    for (var i = 0; i < this.total; i++) if (this.idText[i].indexOf(word) >= 0) hits[i] = 1;
    for (var f = 0; f < this.facets.length; f++) {
      var tagged = Object.create(null);
      var any = false;
      for (var term in this.tagText[f]) {
        if (this.tagText[f][term].indexOf(word) >= 0) tagged[term] = any = true;
      }
      if (!any) continue;
      for (var r = 0; r < this.total; r++) {
        var terms = this.rows[r].terms[f];
        for (var t = 0; t < terms.length; t++) {
          if (tagged[terms[t]]) {
            hits[r] = 1;
            break;
          }
        }
      }
    }
    // A longer search word's studies are among its shorter start's: keep only the latest few.
    var cached = Object.keys(this.wordHits);
    if (cached.length > 32) delete this.wordHits[cached[0]];
    this.wordHits[word] = hits;
    return hits;
  };

  StudyTable.prototype.fetchIndex = function () {
    var self = this;
    this.fetch("index.js", function (data) {
      self.receiveIndex(data);
    });
  };

  StudyTable.prototype.fetchSearch = function () {
    var self = this;
    this.fetch("words.js", function (data) {
      self.receiveSearch(data);
    });
  };

  // Whether every file the view needs is here; those that are not are asked for.
  StudyTable.prototype.haveData = function () {
    var self = this;
    if (!this.rows) {
      this.fetchIndex();
      if (this.rules.words(this.search.value).length) this.fetchSearch(); // both at once
      return false;
    }
    var words = this.rules.words(this.search.value);
    if (!words.length) return true;
    if (!this.searchIndex) {
      this.fetchSearch();
      return false;
    }
    var ready = true;
    words.forEach(function (word) {
      if (self.hitsOf(word) === null) ready = false;
    });
    return ready;
  };

  /* ------------------------------------------------------------------ state */

  StudyTable.prototype.years = function () {
    var from = this.yearFrom.value;
    var to = this.yearTo.value;
    if (!from && !to) return null;
    var lo = from ? parseInt(from, 10) : -Infinity;
    var hi = to ? parseInt(to, 10) : Infinity;
    if (lo > hi) {
      var t = lo;
      lo = hi;
      hi = t;
    }
    return [lo, hi];
  };

  StudyTable.prototype.ensureYearOption = function (select, year) {
    var value = String(year);
    for (var i = 0; i < select.options.length; i++) if (select.options[i].value === value) return;
    var option = document.createElement("option");
    option.value = value;
    option.textContent = value;
    // Keep the years in order after the placeholder.
    var before = null;
    for (var j = 1; j < select.options.length; j++) {
      if (parseInt(select.options[j].value, 10) > year) {
        before = select.options[j];
        break;
      }
    }
    select.insertBefore(option, before);
  };

  StudyTable.prototype.applyQuery = function (search) {
    var self = this;
    var chosen = {};
    var years = null;
    var added = null;
    var text = "";
    var sort = "";
    this.facets.forEach(function (facet) {
      chosen[facet.key] = [];
    });
    var rules = this.rules;
    rules.parseQuery(search).forEach(function (pair) {
      var key = pair[0];
      var value = pair[1];
      if (Object.prototype.hasOwnProperty.call(chosen, key)) {
        var facet = self.facetByKey(key);
        value.split(rules.filter.term_separator).forEach(function (term) {
          term = rules.strip(term).toLowerCase();
          if (facet.boxes[term] && chosen[key].indexOf(term) < 0) chosen[key].push(term);
        });
      } else if (key === self.yearKey) {
        years = rules.parseYears(value) || years;
      } else if (key === self.addedKey) {
        added = rules.parseMonth(value) || added;
      } else if (key === self.textKey) {
        text = rules.clipText(value);
      } else if (key === self.sortKey) {
        sort = Object.prototype.hasOwnProperty.call(self.sorts, value) ? value : sort;
      }
    });
    this.facets.forEach(function (facet) {
      facet.chosen = chosen[facet.key];
      facet.order.forEach(function (term) {
        facet.boxes[term].checked = facet.chosen.indexOf(term) >= 0;
      });
    });
    if (years) {
      this.ensureYearOption(this.yearFrom, years[0]);
      this.ensureYearOption(this.yearTo, years[1]);
    }
    this.yearFrom.value = years ? String(years[0]) : "";
    this.yearTo.value = years ? String(years[1]) : "";
    this.added = added;
    // A search box drops line breaks from its value: make them the spaces they are between words.
    this.search.value = rules.strip(text.replace(/[\r\n]/g, " "));
    this.sortSelect.value = sort;
  };

  StudyTable.prototype.facetByKey = function (key) {
    for (var f = 0; f < this.facets.length; f++) if (this.facets[f].key === key) return this.facets[f];
    return null;
  };

  // The filters as [key, value] pairs, in FilterState.to_query's order.
  StudyTable.prototype.filterPairs = function () {
    var rules = this.rules;
    var pairs = [];
    this.facets.forEach(function (facet) {
      if (facet.chosen.length) pairs.push([facet.key, facet.chosen.join(rules.filter.term_separator)]);
    });
    var years = this.years();
    if (years) {
      var lo = isFinite(years[0]) ? years[0] : this.minYear;
      var hi = isFinite(years[1]) ? years[1] : this.maxYear;
      pairs.push([this.yearKey, lo === hi ? String(lo) : lo + "-" + hi]);
    }
    if (this.added) pairs.push([this.addedKey, this.added]);
    var text = rules.strip(this.search.value);
    if (text) pairs.push([this.textKey, text]);
    return pairs;
  };

  // The view as a query string: the filters, then the order, then any parameters of other tools
  // (e.g. Sphinx's ?highlight=) left as they were.
  StudyTable.prototype.query = function () {
    var rules = this.rules;
    var pairs = this.filterPairs();
    if (this.sortSelect.value) pairs.push([this.sortKey, this.sortSelect.value]);
    var ours = Object.create(null);
    this.facets.forEach(function (facet) {
      ours[facet.key] = true;
    });
    ours[this.yearKey] = ours[this.addedKey] = ours[this.textKey] = ours[this.sortKey] = true;
    new URLSearchParams(window.location.search).forEach(function (value, key) {
      if (!ours[rules.strip(key).toLowerCase()]) pairs.push([key, value]);
    });
    return rules.writeQuery(pairs);
  };

  // The same view in the Binder explorer: the filters carried through Binder's urlpath, which ends
  // the explorer's address (the explorer reads the same parameters; studies_page.explorer_url
  // writes the same address from a query).
  StudyTable.prototype.explorerHref = function () {
    return this.explorer + encodeURIComponent(this.rules.writeQuery(this.filterPairs()));
  };

  StudyTable.prototype.writeUrl = function () {
    var self = this;
    clearTimeout(this.urlTimer);
    this.urlTimer = setTimeout(function () {
      var next = self.query();
      if (next === window.location.search || (!next && !window.location.search)) return;
      var url = window.location.pathname + next + window.location.hash;
      try {
        window.history.replaceState(window.history.state, "", url);
      } catch (_refused) {
        /* Some browsers refuse history changes on file:// pages; the view still works. */
      }
    }, URL_DELAY);
  };

  StudyTable.prototype.readControls = function () {
    this.facets.forEach(function (facet) {
      // Keep the order in which terms were chosen; add new ones at the end.
      var kept = facet.chosen.filter(function (term) {
        return facet.boxes[term] && facet.boxes[term].checked;
      });
      facet.order.forEach(function (term) {
        if (facet.boxes[term].checked && kept.indexOf(term) < 0) kept.push(term);
      });
      facet.chosen = kept;
    });
  };

  /* ------------------------------------------------------------- filtering */

  // One pass over the rows: the matches (in display order), and for every facet term the
  // number of studies that would match if only that facet's choice were left open.
  StudyTable.prototype.compute = function () {
    var facets = this.facets;
    var nf = facets.length;
    var wanted = facets.map(function (facet) {
      if (!facet.chosen.length) return null;
      var set = Object.create(null);
      facet.chosen.forEach(function (term) {
        set[term] = true;
      });
      return set;
    });
    var counts = facets.map(function () {
      return Object.create(null);
    });
    var years = this.years();
    var self = this;
    var hits = this.rules.words(this.search.value).map(function (word) {
      return self.hitsOf(word); // here: update() waited for every one
    });
    var month = this.added;
    var order = this.sortedRows();
    var matches = [];
    var pass = new Array(nf);
    for (var r = 0; r < order.length; r++) {
      var row = order[r];
      var fails = 0;
      var failedFacet = -1;
      if (years && !(row.year >= years[0] && row.year <= years[1])) fails += 2; // not a facet
      if (month && row.month !== month) fails += 2;
      for (var w = 0; w < hits.length && fails < 2; w++) if (!hits[w][row.i]) fails += 2;
      if (fails >= 2) continue; // fails a non-facet constraint: counts nowhere
      for (var f = 0; f < nf; f++) {
        pass[f] = true;
        if (wanted[f]) {
          pass[f] = false;
          var rowTerms = row.terms[f];
          for (var t = 0; t < rowTerms.length; t++) {
            if (wanted[f][rowTerms[t]]) {
              pass[f] = true;
              break;
            }
          }
          if (!pass[f]) {
            fails += 1;
            failedFacet = f;
          }
        }
      }
      if (fails === 0) matches.push(row);
      if (fails > 1) continue;
      for (var g = 0; g < nf; g++) {
        if (fails === 1 && failedFacet !== g) continue;
        var list = row.terms[g];
        var seen = list.length > 1 ? Object.create(null) : null;
        for (var k = 0; k < list.length; k++) {
          if (seen) {
            if (seen[list[k]]) continue;
            seen[list[k]] = true;
          }
          counts[g][list[k]] = (counts[g][list[k]] || 0) + 1;
        }
      }
    }
    this.matches = matches;
    this.counts = counts;
  };

  // The order chosen ({key, dir}), or null for the review's order.
  StudyTable.prototype.sortBy = function () {
    var value = this.sortSelect.value;
    return value && Object.prototype.hasOwnProperty.call(this.sorts, value) ? this.sorts[value] : null;
  };

  StudyTable.prototype.sortedRows = function () {
    var sort = this.sortBy();
    var name = sort ? this.sortSelect.value : "";
    if (this.sortedName === name && this.sorted) return this.sorted;
    var rows = this.rows.slice();
    if (sort) {
      var dir = sort.dir;
      rows.sort(
        sort.key === "year"
          ? function (a, b) {
              return (a.year - b.year) * dir || collator.compare(a.author, b.author) || a.i - b.i;
            }
          : function (a, b) {
              return collator.compare(a.author, b.author) * dir || (a.year - b.year) * dir || a.i - b.i;
            }
      );
    }
    this.sorted = rows;
    this.sortedName = name;
    return rows;
  };

  /* -------------------------------------------------------------- drawing */

  // Redraws the view the controls show, once the data it needs is here (asked for meanwhile;
  // the last view asked for wins). The count comes first, the rows once their cards are here.
  StudyTable.prototype.update = function (options) {
    options = options || {};
    if (this.pending && options !== this.pending) {
      // The URL is written unless every waiting change came from it.
      options = {
        keepPage: options.keepPage,
        typing: options.typing,
        fromUrl: this.pending.fromUrl && options.fromUrl
      };
    }
    this.pending = options;
    if (!this.haveData()) return;
    this.pending = null;
    if (!options.keepPage) this.page = 0;
    this.readControls();
    this.compute();
    this.render();
    this.drawControls();
    this.drawStatus(options.typing);
    if (!options.fromUrl) this.writeUrl();
    this.settle();
  };

  // Runs `action` once `ready()` holds (now, or after the data files it waits for have arrived).
  // (A waiter's field is not named `then`: an object with a then() is a thenable to a Promise.)
  StudyTable.prototype.when = function (ready, action) {
    if (ready()) return action();
    this.waiters = (this.waiters || []).concat([{ ready: ready, action: action }]);
  };

  // After a change or an arrival: the waiters whose moment has come; the page marked ready.
  StudyTable.prototype.settle = function () {
    var waiting = this.waiters || [];
    this.waiters = [];
    var self = this;
    waiting.forEach(function (waiter) {
      if (waiter.ready()) waiter.action();
      else self.waiters.push(waiter);
    });
    if (!this.pending && !this.waitingCards && this.root.getAttribute("data-lr-ready") === "loading") {
      this.root.setAttribute("data-lr-ready", "true");
    }
  };

  // The page of results: its rows once every card on it is here (each asked for once).
  StudyTable.prototype.render = function () {
    var size = this.pageSize > 0 ? this.pageSize : this.matches.length;
    var pages = Math.max(1, Math.ceil(this.matches.length / Math.max(size, 1)));
    if (this.page >= pages) this.page = pages - 1;
    var start = this.page * size;
    var shown = this.matches.slice(start, start + size);
    var self = this;
    var missing = shown.filter(function (row) {
      return !row.tr && row.html === null;
    });
    missing.forEach(function (row) {
      self.fetch("cards/" + row.i + ".js", function (html) {
        row.html = html;
      });
    });
    this.waitingCards = missing.length > 0;
    this.table.setAttribute("aria-busy", String(this.waitingCards));
    if (this.waitingCards) return; // drawn when they are here (resume)
    // Move only the rows that change: a row that stays keeps its layout (typing usually
    // narrows the matches, and the first rows of the page often stay where they were).
    var tbody = this.tbody;
    var next = tbody.firstChild;
    for (var r = 0; r < shown.length; r++) {
      this.prepare(shown[r]); // makes the row's node the first time it is shown
      var tr = shown[r].tr;
      if (tr === next) {
        next = next.nextSibling;
        continue;
      }
      tbody.insertBefore(tr, next);
    }
    while (next) {
      var gone = next;
      next = next.nextSibling;
      tbody.removeChild(gone);
    }
    this.shown = shown;
    this.table.hidden = shown.length === 0;
    this.empty.hidden = shown.length !== 0;
    this.pager.hidden = pages <= 1;
    if (pages > 1) {
      this.pager.querySelector(".lr-st-page").textContent =
        "Page " + (this.page + 1) + " of " + pages + " (studies " + (start + 1) + "\u2013" + (start + shown.length) + ")";
      this.pager.querySelector('[data-lr-action="prev"]').disabled = this.page === 0;
      this.pager.querySelector('[data-lr-action="next"]').disabled = this.page >= pages - 1;
    }
    this.checkClamps();
    this.settle();
  };

  // First time a row is shown: ARIA roles (so the cards stay a table to screen readers,
  // whatever the CSS display) and the "Show more" button.
  StudyTable.prototype.prepare = function (row) {
    if (!row.tr) {
      // The card as cards.table_row_html wrote it (escaped, as the rows in the page are; the
      // data file is a script of the book itself), parsed in the table body's context.
      if (!this.range) {
        this.range = document.createRange();
        this.range.selectNodeContents(this.tbody);
      }
      row.tr = this.range.createContextualFragment(row.html).firstElementChild;
      row.html = null;
    }
    if (row.prepared) return;
    row.prepared = true;
    var tr = row.tr;
    tr.setAttribute("role", "row");
    for (var c = 0; c < tr.cells.length; c++) {
      var cell = tr.cells[c];
      cell.setAttribute("role", cell.tagName === "TH" ? "rowheader" : "cell");
    }
    var head = tr.cells[0];
    var button = document.createElement("button");
    button.type = "button";
    button.className = "lr-st-more";
    button.setAttribute("aria-expanded", "false");
    button.textContent = "Show more";
    var cite = head.querySelector(".lr-st-cite");
    button.setAttribute("data-lr-cite", cite ? cite.textContent : "this study");
    button.setAttribute("aria-label", "Show more of " + button.getAttribute("data-lr-cite"));
    head.appendChild(button);
  };

  // When the box changes width, check the clamps again once it has settled.
  StudyTable.prototype.scheduleClampCheck = function () {
    var self = this;
    clearTimeout(this.clampTimer);
    this.clampTimer = setTimeout(function () {
      self.checkClamps();
    }, 150);
  };

  // Offer "Show more" only on rows whose text is cut off. It runs in the same frame as the
  // redraw (all reads, then only the writes that change something), and the button is shown
  // with `visibility`, which takes no new layout, so a keystroke still costs one layout.
  StudyTable.prototype.checkClamps = function () {
    var rows = this.shown || [];
    if (this.root.classList.contains("lr-st-open-all")) return; // the CSS hides the buttons
    var verdicts = [];
    for (var r = 0; r < rows.length; r++) {
      var tr = rows[r].tr;
      var clamped = tr.classList.contains("lr-st-open");
      if (!clamped) {
        var parts = tr.querySelectorAll("td > div, .lr-st-note, .lr-st-title, .lr-st-tags");
        if (rows.length > 300) clamped = parts.length > 0; // too many to measure: offer it
        for (var p = 0; p < parts.length && !clamped && rows.length <= 300; p++) {
          clamped = parts[p].scrollHeight > parts[p].clientHeight + 1;
        }
      }
      verdicts.push(clamped);
    }
    for (var v = 0; v < rows.length; v++) rows[v].tr.classList.toggle("lr-st-clamped", verdicts[v]);
  };

  StudyTable.prototype.drawControls = function () {
    var self = this;
    var chips = document.createDocumentFragment();
    var signature =
      this.facets
        .map(function (facet) {
          return facet.key + "=" + facet.chosen.join(",");
        })
        .join("&") +
      "&" +
      this.added;
    var chipsChanged = signature !== this.chipSignature;
    this.chipSignature = signature;
    this.facets.forEach(function (facet, f) {
      var chosen = facet.chosen.length;
      // The count is visible text with a hidden " selected", so the accessible name of the
      // summary contains its visible label (WCAG 2.5.3, label in name).
      facet.badge.textContent = chosen ? String(chosen) : "";
      if (chosen) {
        var hint = document.createElement("span");
        hint.className = "lr-sr";
        hint.textContent = " selected";
        facet.badge.appendChild(hint);
      }
      facet.details.classList.toggle("lr-st-active", chosen > 0);
      facet.order.forEach(function (term) {
        var n = self.counts[f][term] || 0;
        var cell = facet.counts[term];
        if (cell.textContent !== String(n)) {
          cell.textContent = String(n);
          cell.nextSibling.textContent = " " + studies(n); // the hidden noun: "1 study", "2 studies"
        }
        cell.parentNode.classList.toggle("lr-st-zero", n === 0 && !facet.boxes[term].checked);
      });
      if (!chipsChanged) return;
      facet.chosen.forEach(function (term) {
        chips.appendChild(self.chip(facet.key, term, facet.label, facet.labels[term]));
      });
    });
    if (chipsChanged && this.added) {
      // The month a study was added has no control of its own: a link ("What's new") sets it.
      chips.appendChild(this.chip(null, null, "Added", monthLabel(this.added)));
    }
    if (chipsChanged) {
      this.chips.textContent = "";
      this.chips.appendChild(chips);
    }
    if (this.explorerLink) this.explorerLink.href = this.explorerHref();
    var sort = this.sortBy();
    this.sortHeads.forEach(function (th) {
      var key = th.getAttribute("data-lr-sort-key");
      if (sort && sort.key === key) th.setAttribute("aria-sort", sort.dir > 0 ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
    });
    var n = this.matches.length;
    this.downloadCount.textContent = String(n);
    this.downloadButtons.forEach(function (button) {
      button.setAttribute("aria-label", "Download the " + n + " matching " + studies(n) + " as " + button.textContent);
      button.disabled = n === 0;
    });
    // The "Filters" button (a narrow box) counts what is set behind it.
    var set = this.facets.reduce(function (sum, facet) { return sum + facet.chosen.length; }, 0);
    if (this.years()) set += 1;
    if (this.sortSelect.value) set += 1;
    this.filtersBadge.textContent = set ? " (" + set + ")" : "";
  };

  // A chosen filter as a button that removes it (a facet's term, or the month added when key is null).
  StudyTable.prototype.chip = function (key, term, label, value) {
    var chip = document.createElement("button");
    chip.type = "button";
    chip.className = "lr-st-chip";
    if (key === null) chip.setAttribute("data-lr-added", "");
    else {
      chip.setAttribute("data-lr-facet", key);
      chip.setAttribute("data-lr-term", term);
    }
    chip.setAttribute("aria-label", "Remove filter " + label + ": " + value);
    var name = document.createElement("span");
    name.className = "lr-st-chip-f";
    name.textContent = label + ":";
    chip.appendChild(name);
    chip.appendChild(document.createTextNode(" " + value));
    var x = document.createElement("span");
    x.className = "lr-st-chip-x";
    x.setAttribute("aria-hidden", "true");
    x.textContent = "\u00d7";
    chip.appendChild(x);
    return chip;
  };

  StudyTable.prototype.countText = function () {
    return this.matches.length + this.ofTotal();
  };

  StudyTable.prototype.ofTotal = function () {
    return " of " + this.total + " " + studies(this.total);
  };

  StudyTable.prototype.drawStatus = function (typing) {
    var self = this;
    var strong = document.createElement("strong");
    strong.textContent = String(this.matches.length);
    this.status.textContent = "";
    this.status.appendChild(strong);
    this.status.appendChild(
      document.createTextNode(this.ofTotal())
    );
    clearTimeout(this.announceTimer);
    var say = function () {
      self.live.textContent = self.countText();
    };
    if (typing) this.announceTimer = setTimeout(say, ANNOUNCE_DELAY);
    else say();
  };

  /* ------------------------------------------------------------------ CSV */

  // The filtered rows as livingreview.data.exports.to_csv writes them (from the downloads' file,
  // whose columns are the CSV's).
  StudyTable.prototype.csv = function () {
    var self = this;
    var end = this.rules.csvSpec.line_end;
    var lines = [this.rules.csvRow(this.exported.columns)];
    this.matches.forEach(function (row) {
      lines.push(self.rules.csvRow(self.exported.rows[row.i]));
    });
    return lines.join(end) + end;
  };

  /* ------------------------------------------------------- BibTeX and RIS */

  // The filtered studies' records (written per study by livingreview.data.exports, in table order),
  // joined as exports.to_bibtex / to_ris join them (from the downloads' file).
  StudyTable.prototype.citations = function (format) {
    var column = format === "bibtex" ? 0 : 1;
    var records = this.exported.cites;
    return this.matches
      .map(function (row) {
        return records[row.i] ? records[row.i][column] : "";
      })
      .join(this.citationSpec[format].separator);
  };

  /* --------------------------------------------------------------- events */

  StudyTable.prototype.reset = function () {
    this.facets.forEach(function (facet) {
      facet.chosen = [];
      facet.order.forEach(function (term) {
        facet.boxes[term].checked = false;
      });
      facet.details.open = false;
    });
    this.search.value = "";
    this.added = null;
    this.yearFrom.value = "";
    this.yearTo.value = "";
    this.sortSelect.value = "";
    this.update();
  };

  StudyTable.prototype.closeFacets = function (except) {
    this.facets.forEach(function (facet) {
      if (facet.details !== except) facet.details.open = false;
    });
  };

  StudyTable.prototype.bind = function () {
    var self = this;
    var root = this.root;
    this.form.addEventListener("submit", function (event) {
      event.preventDefault();
    });
    // Redrawn at once (a keystroke costs one layout), so the new rows are in the next frame.
    this.search.addEventListener("input", function () {
      self.update({ typing: true });
    });
    this.search.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && self.search.value) {
        self.search.value = "";
        self.update();
      }
    });
    [this.yearFrom, this.yearTo, this.sortSelect].forEach(function (select) {
      select.addEventListener("change", function () {
        self.update();
      });
    });
    this.sizeSelect.addEventListener("change", function () {
      self.pageSize = parseInt(self.sizeSelect.value, 10) || 0;
      self.update({ keepPage: false });
    });
    this.expandAll.addEventListener("change", function () {
      root.classList.toggle("lr-st-open-all", self.expandAll.checked);
      self.scheduleClampCheck();
    });
    this.facets.forEach(function (facet) {
      facet.details.addEventListener("change", function () {
        self.update();
      });
      facet.details.addEventListener("toggle", function () {
        if (facet.details.open) self.closeFacets(facet.details);
      });
      facet.details.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && facet.details.open) {
          event.preventDefault();
          facet.details.open = false;
          facet.summary.focus();
        }
      });
    });
    document.addEventListener("click", function (event) {
      if (!root.contains(event.target) || !event.target.closest(".lr-st-facet")) self.closeFacets(null);
    });
    root.addEventListener("click", function (event) {
      var target = event.target.closest("button");
      if (!target || !root.contains(target)) return;
      var action = target.getAttribute("data-lr-action");
      if (action === "reset") {
        self.reset();
        self.search.focus();
      } else if (action === "csv" || action === "bibtex" || action === "ris") {
        // The downloads' text is loaded the first time one is asked for, with the filters'
        // index if the view was never computed (the page as written).
        if (!Array.isArray(self.matches)) self.update({ keepPage: true, fromUrl: true });
        self.fetch("export.js", function (data) {
          self.exported = data;
        });
        self.when(
          function () {
            return self.exported && Array.isArray(self.matches) && !self.pending;
          },
          function () {
            if (action === "csv") download("\ufeff" + self.csv(), self.csvName, "text/csv;charset=utf-8");
            else {
              var format = self.citationSpec[action];
              download(self.citations(action), format.filename, format.type + ";charset=utf-8");
            }
          }
        );
      } else if (action === "filters") {
        var open = !root.classList.contains("lr-st-filters-open");
        root.classList.toggle("lr-st-filters-open", open);
        target.setAttribute("aria-expanded", open ? "true" : "false");
      } else if (action === "prev" || action === "next") {
        self.page += action === "next" ? 1 : -1;
        self.update({ keepPage: true, fromUrl: true });
        var top = self.table.getBoundingClientRect().top;
        if (top < 0) self.status.scrollIntoView({ block: "start" });
      } else if (target.classList.contains("lr-st-chip")) {
        if (target.hasAttribute("data-lr-added")) self.added = null;
        var facet = self.facetByKey(target.getAttribute("data-lr-facet"));
        var box = facet && facet.boxes[target.getAttribute("data-lr-term")];
        if (box) box.checked = false;
        var index = Array.prototype.indexOf.call(self.chips.children, target);
        self.update();
        // Keep the focus in the chip row (or return it to the search box).
        var chips = self.chips.children;
        if (chips.length) chips[Math.min(index, chips.length - 1)].focus();
        else self.search.focus();
      } else if (target.classList.contains("lr-st-more")) {
        var tr = target.closest("tr");
        var opened = !tr.classList.contains("lr-st-open");
        tr.classList.toggle("lr-st-open", opened);
        target.setAttribute("aria-expanded", opened ? "true" : "false");
        target.textContent = opened ? "Show less" : "Show more";
        target.setAttribute("aria-label", target.textContent + " of " + target.getAttribute("data-lr-cite"));
      } else if (target.classList.contains("lr-st-sortbtn")) {
        var key = target.closest("th").getAttribute("data-lr-sort-key");
        var current = self.sortBy();
        var value;
        if (current && current.key === key) value = key + (current.dir > 0 ? "-desc" : "-asc");
        else value = key + (key === "year" ? "-desc" : "-asc");
        self.sortSelect.value = value;
        self.update();
      }
    });
    if (window.ResizeObserver) {
      var width = 0;
      new ResizeObserver(function (entries) {
        var w = Math.round(entries[0].contentRect.width);
        if (w !== width) {
          width = w;
          self.scheduleClampCheck();
        }
      }).observe(root);
    }
  };

  StudyTable.prototype.enhanceHeaders = function () {
    var table = this.table;
    table.setAttribute("role", "table");
    table.tHead.setAttribute("role", "rowgroup");
    this.tbody.setAttribute("role", "rowgroup");
    for (var h = 0; h < table.tHead.rows.length; h++) {
      var headRow = table.tHead.rows[h];
      headRow.setAttribute("role", "row");
      for (var c = 0; c < headRow.cells.length; c++) {
        var head = headRow.cells[c];
        head.setAttribute("role", head.tagName === "TH" ? "columnheader" : "cell");
      }
    }
    // The header keeps its text (the cards hide the buttons, not the headers); a button over
    // the whole header sorts by it, and aria-sort on the header says how the rows are sorted.
    this.sortHeads.forEach(function (th) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "lr-st-sortbtn";
      button.setAttribute("aria-label", "Sort by " + th.textContent.trim());
      var arrow = document.createElement("span");
      arrow.className = "lr-st-arrow";
      arrow.setAttribute("aria-hidden", "true");
      button.appendChild(arrow);
      th.appendChild(button);
    });
  };

  // The page as written, before any data file: the first rows, the pager for the whole table.
  StudyTable.prototype.drawFirst = function () {
    var self = this;
    this.matches = { length: this.total };
    this.shown = this.firstRows;
    this.firstRows.forEach(function (row) {
      self.prepare(row);
    });
    var size = this.pageSize > 0 ? this.pageSize : this.total;
    var pages = Math.max(1, Math.ceil(this.total / Math.max(size, 1)));
    this.pager.hidden = pages <= 1;
    if (pages > 1) {
      this.pager.querySelector(".lr-st-page").textContent =
        "Page 1 of " + pages + " (studies 1\u2013" + this.firstRows.length + ")";
      this.pager.querySelector('[data-lr-action="prev"]').disabled = true;
      this.pager.querySelector('[data-lr-action="next"]').disabled = false;
    }
    this.drawStatus(false);
    this.checkClamps();
  };

  // Whether the view the address asks for differs from the page as written.
  StudyTable.prototype.asksForMore = function () {
    var ours = [this.yearKey, this.addedKey, this.textKey, this.sortKey].concat(
      this.facets.map(function (facet) {
        return facet.key;
      })
    );
    var filtered = this.rules.parseQuery(window.location.search).some(function (pair) {
      return ours.indexOf(pair[0]) >= 0;
    });
    var id = this.targetId();
    var known = this.firstRows.some(function (row) {
      return row.tr.getAttribute("data-id") === id;
    });
    return filtered || (id !== null && !known) || (this.pageSize !== this.firstRows.length && this.total > this.firstRows.length);
  };

  StudyTable.prototype.targetId = function () {
    var hash = window.location.hash;
    return hash.indexOf("#study-") === 0 ? decodeURIComponent(hash.slice("#study-".length)) : null;
  };

  StudyTable.prototype.start = function () {
    this.enhanceHeaders();
    this.applyQuery(window.location.search);
    if (this.sizeSelect) {
      this.sizeSelect.value = String(this.pageSize);
      if (this.sizeSelect.value !== String(this.pageSize)) this.sizeSelect.value = "0";
      this.pageSize = parseInt(this.sizeSelect.value, 10) || 0;
    }
    this.bind();
    this.root.classList.add("lr-js");
    var self = this;
    if (this.asksForMore()) {
      // Ready (data-lr-ready="true") once the view the address asks for is drawn (settle).
      this.root.setAttribute("data-lr-ready", "loading");
      this.update({ fromUrl: true });
    } else {
      this.drawFirst();
      // The reader's first touch of the table fetches the filters' index, before a change needs
      // it; a first touch of the search box, the search index too.
      var touch = function (event) {
        self.fetchIndex();
        if (event.target === self.search) self.fetchSearch();
        if (self.rows !== null || self.requested["index.js"]) {
          if (self.searchIndex || self.requested["words.js"]) {
            ["focusin", "pointerdown"].forEach(function (name) {
              self.root.removeEventListener(name, touch);
            });
          }
        }
      };
      ["focusin", "pointerdown"].forEach(function (name) {
        self.root.addEventListener(name, touch);
      });
      this.root.setAttribute("data-lr-ready", "true");
    }
    this.revealTarget();
    window.addEventListener("hashchange", function () { self.revealTarget(); });
  };

  // A link to #study-<id> (from the changelog, the references, a colleague) must land on that
  // study even when filters or paging hide it: clear the filters if needed, turn to its page.
  StudyTable.prototype.revealTarget = function () {
    var id = this.targetId();
    if (id === null) return;
    var self = this;
    if (!this.rows || !this.searchIndex) {
      var written = this.firstRows.filter(function (row) {
        return row.tr.getAttribute("data-id") === id;
      })[0];
      // The page as written holds it, and no view the address asks for is on its way: the
      // browser has scrolled to it. Otherwise, once the index and the ids are here.
      if (written && this.root.getAttribute("data-lr-ready") === "true") {
        written.tr.classList.add("lr-st-target");
        return;
      }
      this.fetchIndex();
      this.fetchSearch();
      this.when(
        function () {
          return self.rows && self.searchIndex && !self.pending;
        },
        function () {
          self.revealTarget();
        }
      );
      return;
    }
    var position = this.ids.indexOf(id);
    if (position < 0) return;
    if (!Array.isArray(this.matches)) this.update({ keepPage: true, fromUrl: true });
    var target = this.rows[position];
    var index = this.matches.indexOf(target);
    if (index < 0) {
      // Hidden by the filters: clear them (a view without search text needs no more data).
      this.applyQuery("");
      this.update();
      index = this.matches.indexOf(target);
    }
    var size = this.pageSize > 0 ? this.pageSize : this.matches.length;
    var page = size > 0 ? Math.floor(index / size) : 0;
    if (page !== this.page) {
      this.page = page;
      this.render();
    }
    this.when(
      function () {
        return !self.waitingCards && target.tr;
      },
      function () {
        target.tr.scrollIntoView({ block: "start" });
        target.tr.classList.add("lr-st-target");
      }
    );
  };

  function boot() {
    var roots = document.querySelectorAll(".lr-studies-table:not([data-lr-ready])");
    for (var i = 0; i < roots.length; i++) {
      try {
        new StudyTable(roots[i]).start();
      } catch (error) {
        // Leave the plain table readable, and say why the filters are missing.
        roots[i].setAttribute("data-lr-ready", "error");
        roots[i].classList.add("lr-st-failed");
        if (window.console) console.warn("studies table: filters unavailable", error);
      }
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
