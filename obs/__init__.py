"""The app's side: data access and caches (serving), the API and exports, and the web pieces the pages
share (shell, figures, view builders, i18n). It imports core/, never etl/ (README, "Layers")."""
