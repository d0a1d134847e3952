// The review page's "use this reading" buttons: put the reader's likelier value (a compound's
// other marks, a speck read as a comma) into its field, for the person to check and confirm.
(function () {
  "use strict";
  document.querySelectorAll("button.use-proposal").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.getElementById(button.dataset.field);
      if (!field) { return; }
      field.value = button.dataset.value;
      field.focus();
    });
  });
})();
