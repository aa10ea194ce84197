// ESLint for the page's own scripts (geo/map/static/*.js). Run from the project root:
//   assets/node_modules/.bin/eslint --config assets/eslint.config.mjs geo/map/static
// (`make lint` does). With --config, paths are relative to the working directory.
import js from "@eslint/js";

export default [
    js.configs.recommended,
    {
        files: ["geo/map/static/**/*.js"],
        languageOptions: {
            ecmaVersion: 2020,
            // Classic scripts, not modules: folium and streamlit-folium load them with
            // <script src>, and they share functions through `window`.
            sourceType: "script",
            globals: {
                window: "readonly", document: "readonly", fetch: "readonly",
                atob: "readonly", setTimeout: "readonly", setInterval: "readonly",
                clearInterval: "readonly",
                L: "readonly",  // Leaflet, loaded before these files
            },
        },
        rules: {
            "no-unused-vars": ["error", {args: "none"}],
            eqeqeq: ["error", "always", {null: "ignore"}],
            "no-implicit-globals": "error",  // share through window.cm*, explicitly
            "no-var": "off",  // the files keep Leaflet's own ES5 style
        },
    },
];
