// Keep only the NL Design System component styles the site uses (make install runs this).
// Every class name written in the templates, the Python code or the JavaScript keeps its rules;
// class names the templates build from a variable keep all their modifiers.
module.exports = {
  css: ["node_modules/@utrecht/component-library-css/dist/index.css"],
  content: ["consult/templates/**/*.html", "consult/**/*.py", "consult/static/js/*.js"],
  safelist: {
    standard: [/^utrecht-alert--/, /^utrecht-form-field--/, /^utrecht-form-label--/],
  },
};
