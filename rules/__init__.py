"""The rule modules. Importing this package registers every rule."""
