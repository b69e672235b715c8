// Adds a member block to the registration form by renumbering the template's fields.
(function () {
  const button = document.getElementById("add-member");
  if (!button) return;
  button.addEventListener("click", function () {
    const members = document.getElementById("members");
    const count = document.getElementById("member_count");
    const index = parseInt(count.value, 10);
    const html = document.getElementById("member-template").innerHTML
      .replaceAll("m999_", "m" + index + "_")
      .replace('data-member="999"', 'data-member="' + index + '"')
      .replace('<span class="member-number">1000</span>', '<span class="member-number">' + (index + 1) + "</span>");
    members.insertAdjacentHTML("beforeend", html);
    count.value = index + 1;
    // the registrar types the new member next, not another click on "Add member"
    document.getElementById("m" + index + "_full_name").focus();
  });
})();

// A form marked data-once is sent once: a double click on Confirm must not send it twice.
document.querySelectorAll("form[data-once]").forEach(function (form) {
  form.addEventListener("submit", function () {
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
  });
});
