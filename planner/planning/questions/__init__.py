"""Side questions: predict, vocabulary, data mixture and continual pre-training, loss curves."""
