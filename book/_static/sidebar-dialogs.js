/* On narrow screens pydata-sphinx-theme shows the chapter list and the page's contents in modal
 * dialogs (the ☰ and contents buttons). A link in them that stays on the page (a section of the
 * page's contents) scrolled the page behind the still open dialog; close the dialog on any link, so
 * the reader sees where the link went. Added to every page by losscourse/a11y.py. */
(function () {
  "use strict";
  function start() {
    document.querySelectorAll("dialog#pst-primary-sidebar-modal, dialog#pst-secondary-sidebar-modal").forEach(
      function (dialog) {
        dialog.addEventListener("click", function (event) {
          if (dialog.open && event.target.closest && event.target.closest("a[href]")) dialog.close();
        });
      }
    );
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
