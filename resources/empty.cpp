// Keeps dealscope_resources a valid library before any resource is added.
