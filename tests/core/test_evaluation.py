"""Classifier evaluation: the report equals scikit-learn's, ECE matches a hand-computed case, cells and mistakes."""

import numpy as np
import pytest
import torch
from sklearn.metrics import classification_report as sklearn_report
from sklearn.metrics import confusion_matrix as sklearn_confusion

from resviz.core.evaluation import (
    Predictions,
    classification_report,
    confident_mistakes,
    confusion_cell,
    confusion_matrix,
    evaluate_classifier,
    predict,
    reliability,
    top_classes,
)
from resviz.core.models.cnn import SimpleCNN


def _labels_and_predictions(seed=0, n=500, k=10):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, k, n)
    labels[labels == 9] = 8  # class 9 never occurs in the test set...
    predicted = np.where(rng.random(n) < 0.6, labels, rng.integers(0, k, n))
    predicted[predicted == 3] = 4  # ...and class 3 is never predicted
    return labels, predicted


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_report_equals_scikit_learn(seed):
    labels, predicted = _labels_and_predictions(seed)
    ours = classification_report(labels, predicted, 10)
    theirs = sklearn_report(labels, predicted, labels=list(range(10)), output_dict=True, zero_division=0)
    assert ours.precision[3] == 0 and ours.support[9] == 0  # the edge cases are really there
    for k in range(10):
        row = theirs[str(k)]
        assert ours.precision[k] == pytest.approx(row["precision"])
        assert ours.recall[k] == pytest.approx(row["recall"])
        assert ours.f1[k] == pytest.approx(row["f1-score"])
        assert ours.support[k] == row["support"]
    for how, name in (("macro", "macro avg"), ("weighted", "weighted avg")):
        for metric, key in (("precision", "precision"), ("recall", "recall"), ("f1", "f1-score")):
            assert ours.average(how)[metric] == pytest.approx(theirs[name][key])
    assert ours.accuracy == pytest.approx(np.mean(labels == predicted))


def test_confusion_rows_are_true_classes():
    labels, predicted = np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 0, 2])
    matrix = confusion_matrix(labels, predicted, 3)
    assert matrix.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert np.array_equal(matrix, sklearn_confusion(labels, predicted, labels=[0, 1, 2]))


def test_per_class_rows_name_the_classes():
    report = classification_report(np.array([0, 1, 1]), np.array([0, 1, 0]), 2)
    rows = report.per_class(("T-shirt/top", "Trouser"))
    assert rows[0] == {"class": 0, "name": "T-shirt/top", "precision": 0.5, "recall": 1.0,
                       "f1": pytest.approx(2 / 3), "support": 1}
    assert rows[1]["name"] == "Trouser" and rows[1]["recall"] == 0.5 and rows[1]["precision"] == 1.0


def test_expected_calibration_error_hand_computed():
    # four answers at 0.9 confidence, two right: bin (13/15, 14/15], gap |0.5 - 0.9| = 0.4
    # two answers at 0.3 confidence, both right: bin (4/15, 5/15], gap |1.0 - 0.3| = 0.7
    confidence = np.array([0.9, 0.9, 0.9, 0.9, 0.3, 0.3])
    correct = np.array([1, 0, 1, 0, 1, 1], bool)
    result = reliability(confidence, correct, bins=15)
    assert result.ece == pytest.approx(4 / 6 * 0.4 + 2 / 6 * 0.7)
    assert result.counts[13] == 4 and result.counts[4] == 2 and result.counts.sum() == 6
    assert result.accuracy[13] == pytest.approx(0.5) and result.confidence[4] == pytest.approx(0.3)
    assert np.isnan(result.accuracy[0]) and len(result.edges) == 16


def test_calibration_bins_are_closed_on_the_right():
    result = reliability(np.array([1 / 15, 1.0, 0.0]), np.array([True, True, False]), bins=15)
    assert result.counts[0] == 2 and result.counts[14] == 1  # 1/15 ends bin 0; 0 joins it; 1.0 ends bin 14
    assert reliability(np.array([0.7, 0.7]), np.array([True, False]), bins=15).ece == pytest.approx(0.2)


def _predictions():
    probabilities = np.array([
        [0.9, 0.1, 0.0],  # true 0, right
        [0.2, 0.7, 0.1],  # true 0, predicted 1 at 0.7
        [0.1, 0.6, 0.3],  # true 0, predicted 1 at 0.6
        [0.05, 0.95, 0.0],  # true 2, predicted 1 at 0.95
        [0.0, 0.2, 0.8],  # true 2, right
    ], np.float32)
    return Predictions(probabilities, np.array([0, 0, 0, 2, 2]))


def test_confusion_cell_and_mistakes_most_confident_first():
    predictions = _predictions()
    assert confusion_cell(predictions, 0, 1).tolist() == [1, 2]
    assert confusion_cell(predictions, 2, 2).tolist() == [4]
    assert confusion_cell(predictions, 1, 0).tolist() == []
    assert confident_mistakes(predictions).tolist() == [3, 1, 2]
    assert confident_mistakes(predictions, count=1).tolist() == [3]
    assert top_classes(predictions, 2, k=2) == [(1, pytest.approx(0.6)), (2, pytest.approx(0.3))]


def test_predict_is_batched_softmax_and_leaves_the_mode():
    torch.manual_seed(0)
    model = SimpleCNN().train()
    images = torch.randint(0, 256, (70, 28, 28), dtype=torch.uint8)
    labels = torch.randint(0, 10, (70,))
    predictions = predict(model, images, labels, batch_size=32)
    assert model.training  # put back as found
    with torch.no_grad():
        expected = torch.softmax(model.eval()(images[:, None].float() / 255), 1).numpy()
    assert predictions.probabilities.shape == (70, 10)
    assert np.allclose(predictions.probabilities, expected, atol=1e-5)
    assert predict(model, images, labels, stop=lambda: True) is None


def test_evaluate_classifier_end_to_end():
    torch.manual_seed(0)
    images = torch.randint(0, 256, (3_000, 28, 28), dtype=torch.uint8)
    labels = torch.randint(0, 10, (3_000,))
    evaluation = evaluate_classifier(SimpleCNN(), images, labels, [str(k) for k in range(10)])
    summary = evaluation.to_json()
    confusion = np.array(summary["confusion"])
    assert confusion.sum() == 3_000 and confusion.shape == (10, 10)
    assert evaluation.accuracy == pytest.approx(evaluation.predictions.accuracy)
    assert [row["support"] for row in summary["per_class"]] == confusion.sum(1).tolist()
    assert 0 <= summary["ece"] <= 1 and 0 <= summary["macro_f1"] <= 1
