"""Language emitters: one subpackage per language, each exposing TARGET."""
