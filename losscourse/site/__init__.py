"""Where the course lives online: the repository and its launch links (:mod:`.links`), the chapters'
notebook twins that the launch buttons open (:mod:`.twins`), and the Sphinx extension that puts
both on the book's pages (:mod:`.sphinx_ext`)."""
