"""Built-in plugins: ordinary @hookimpl modules, loaded through the `depthreel` entry points."""
