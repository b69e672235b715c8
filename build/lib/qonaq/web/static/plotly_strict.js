// Loaded before Plotly on the dashboard. Plotly's colour bar resets its rectangles with
// setAttribute("style", ""): an inline style to the content policy, which blocks and reports it.
// Removing the attribute is what that reset means, and the policy allows it.
(function () {
  const setAttribute = SVGElement.prototype.setAttribute;
  SVGElement.prototype.setAttribute = function (name, value) {
    if (name === "style" && value === "") {
      this.removeAttribute("style");
      return;
    }
    setAttribute.call(this, name, value);
  };
})();
