"""The pages people read in a browser (DOMAIN.md §9): sign-in and sessions, the page
routes, and the API documentation served without any other host."""
