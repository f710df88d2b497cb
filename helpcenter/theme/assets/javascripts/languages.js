/*
 * Material's bundle fetches a sitemap next to every hreflang alternate of the page (on
 * DOMContentLoaded) to remap its own language switcher. Our switcher already links to the exact
 * page, so those requests are pure waste, and from a preview they go to the production host.
 * This deferred script runs just before DOMContentLoaded: it hides the alternates from the
 * bundle's listener, registered earlier, and puts them back right after it has run.
 */
(function () {
  "use strict";
  var alternates = document.querySelectorAll("link[rel=alternate][hreflang]");
  alternates.forEach(function (link) { link.rel = "x-hreflang"; });
  document.addEventListener("DOMContentLoaded", function () {
    alternates.forEach(function (link) { link.rel = "alternate"; });
  }, { once: true });
})();
