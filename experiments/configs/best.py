"""Best configuration found so far (pixels only, 6T2R gpgm_linear device): `default.py` with the
changes below.

Where each setting comes from:
* First chosen by the 20,000-image sweep of RESULTS.md section 3b (results/sweep_20k, run
  M8_S005_T03) and, for weight_decay, by the full-MNIST runs of RESULTS.md section 4. Those read
  TEST accuracy (there was no validation split yet), so their figures (93.55 % after 10 epochs,
  RESULTS 4) are tuned on the test images.
* Re-chosen on the validation split (issue 13 item 6; RESULTS 11, "best.py's other settings,
  re-chosen on validation"; results/best_choice/: 10,000 training images x 2 epochs, 3 seeds,
  one knob at a time): the threshold 0.3, the steps 0.005, the init sd 0.1, the weight decay and
  the spike rate keep their values (no other value won by more than one sd); the random walk
  changed from 0.05 to 0.025 (+0.93 points, sd of the paired differences 0.61) in session 10.
  Session 11: mini-batches of 8 hold (batch 1 lost 2.54 points, batch 16 lost 0.93) and so do
  824 hidden neurons (1,200 and 1,600 within 0.11); a step decay of 0.8 per epoch from the start
  lost 0.35 points (session 10), and annealing after epoch 5 with the weight decay held
  constant lost 1.8 (session 12, results/accuracy_target/best_v2_anneal).
* Confirmed at 50,000 images x 10 epochs, 3 seeds (session 12, RESULTS 11,
  results/accuracy_target/best_v2): 94.49 % test at the validation-chosen epoch 5; the mean of
  the last epoch's ten checkpoint states, its own row, 95.77 % (add
  --config.tail_average_epochs=1 --config.checkpoint_every_images=5000).

Reproducing recorded runs: add `--config.walk_up=0.05 --config.walk_down=0.05` for every run
before session 10 (the accuracy-target run of RESULTS 11 included); the RESULTS 4 runs also need
`--config.validation_size=0 --config.train_size=60000 --config.shuffle=False`, and those before
session 4 `--config.weight_decay=0 --config.epochs=5`.

  python -m experiments.train_mnist --config=experiments/configs/best.py --workdir=runs/best
"""
import ml_collections

from experiments.configs import default


def get_config(choice: str = "gpgm_linear") -> ml_collections.ConfigDict:
    """default.get_config(choice) with the best settings found, 10 epochs. `choice` as in
    default.py: a device and, after a comma, a front end ("gpgm_linear,cnn",
    "gpgm_linear,lower_rbm"); the settings below were found for pixels on gpgm_linear."""
    config = default.get_config(choice)
    config.epochs = 10  # the second target epoch (ours; evaluated after 5 and 10)
    config.eval_every = 5  # evaluation at 300 ms costs ~3 min on the 2-core CPU (ours)
    config.batch_size = 8  # mini-batch eCD, 8 images share the weights (ours, RESULTS 3b: +2.7 points)
    config.device.set_step = 0.005  # half the IBM SET step (ours, RESULTS 3b; the slides tuned 0.009)
    config.device.reset_step = 0.005  # half the IBM RESET step (ours, RESULTS 3b)
    config.input_threshold = 0.3  # more pixels spike (slides: lower thresholds are better; RESULTS 3b)
    config.walk_up = 0.025  # quieter random walk (ours, chosen on validation: RESULTS 11; slides 0.05-0.051)
    config.walk_down = 0.025  # (ours, chosen on validation: RESULTS 11, results/best_choice)
    config.device.init_std = 0.1  # narrow device init (ours, RESULTS 3: the largest single effect)
    config.weight_decay = 5e-6  # G <- (1 - 5e-6) G per image: holds the weight spread (ours, RESULTS 4)
    config.inference_ms = 300.0  # test presentation (ours, RESULTS 3b: +1.5-3.5 points over 100 ms)
    return config
