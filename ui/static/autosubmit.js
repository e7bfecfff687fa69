// Submits the verification code form as soon as the sixth digit is typed or
// pasted. Without JavaScript the "Verify Code" button does the same.
(function () {
  "use strict";
  var input = document.querySelector("input[data-autosubmit]");
  if (!input || !input.form) { return; }
  var want = parseInt(input.getAttribute("data-autosubmit"), 10);
  var sent = false;
  input.addEventListener("input", function () {
    var digits = input.value.replace(/\D/g, "");
    if (!sent && digits.length === want) {
      sent = true;
      input.value = digits;
      input.form.submit();
    }
  });
})();
