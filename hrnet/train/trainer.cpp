#include "hrnet/train/trainer.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <memory>

#include "datasets/pipeline/loader.h"
#include "engine/upload.h"
#include "engine/engine.h"
#include "engine/io/file.h"
#include "hrnet/from_config.h"
#include "hrnet/load_weights.h"
#include "hrnet/train/accuracy.h"
#include "hrnet/train/checkpoint.h"
#include "hrnet/train/data_config.h"
#include "hrnet/train/metrics_log.h"
#include "hrnet/train/progress.h"

namespace hr::train {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// tools/train.py get_optimizer: Adam gets the learning rate only (no weight decay, default
// betas and eps); SGD gets MOMENTUM, WD and NESTEROV.
std::unique_ptr<Optimizer> make_optimizer(const cfg::Config& c, std::vector<Var> params) {
  if (c.train.optimizer == "adam") {
    AdamOptions o;
    o.lr = c.train.lr;
    return std::make_unique<Adam>(std::move(params), o);
  }
  if (c.train.optimizer == "sgd") {
    SgdOptions o;
    o.lr = c.train.lr;
    o.momentum = c.train.momentum;
    o.weight_decay = c.train.wd;
    o.nesterov = c.train.nesterov;
    return std::make_unique<SGD>(std::move(params), o);
  }
  fail("TRAIN.OPTIMIZER must be adam or sgd, got '{}'", c.train.optimizer);
}

// The official key of the first parameter whose gradient holds a NaN or an Inf, or "". One
// scan over all gradients on their device (on CUDA one int comes back, not the gradients).
std::string first_bad_gradient(net::PoseHighResolutionNet& net) {
  std::vector<std::string> keys;
  std::vector<Tensor> grads;
  for (auto& [key, p] : net.named_parameters())
    if (p.grad().defined()) {
      keys.push_back(key);
      grads.push_back(p.grad());
    }
  const int bad = ops::first_nonfinite(grads);
  return bad < 0 ? std::string() : keys[size_t(bad)];
}

void set_meter(AverageMeter& m, double sum, double count) {
  m.sum = sum;
  m.count = count;
  m.avg = count != 0.0 ? sum / count : 0.0;
}


}  // namespace

TrainResult train(const TrainOptions& opt) {
  const auto run_start = Clock::now();
  const cfg::Config& c = opt.cfg;
  HR_CHECK(c.train.end_epoch >= c.train.begin_epoch, "TRAIN.END_EPOCH {} is before TRAIN.BEGIN_EPOCH {}",
           c.train.end_epoch, c.train.begin_epoch);
  HR_CHECK(c.print_freq > 0, "PRINT_FREQ must be positive, got {}", c.print_freq);

  TrainResult result;
  result.output_dir = opt.output_dir.empty() ? cfg::final_output_dir(c, opt.cfg_file) : opt.output_dir;
  const auto& dir = result.output_dir;
  std::filesystem::create_directories(dir);
  const std::string ckpt_path = (dir / kCheckpointFile).string();

  const bool tty = opt.progress == ProgressMode::Tty ||
                   (opt.progress == ProgressMode::Auto && Progress::is_tty(opt.out));
  Progress progress(opt.out, tty, c.print_freq);
  const bool resume = c.auto_resume && std::filesystem::exists(ckpt_path);
  MetricsLog log(dir, /*append=*/resume);
  progress.message(fmt::format("=> output folder {}", dir.string()));
  io::write_file_atomic((dir / "config.yaml").string(), cfg::to_yaml(c));

  // The network, initialised as get_pose_net(cfg, is_train=True) does.
  auto net = net::build_network(c);
  TrainingState st;
  st.seed = opt.seed;
  Rng rng(opt.seed);
  // Without INIT_WEIGHTS the official network keeps PyTorch's default initialisation, which
  // the engine does not have (its layers start at zero): both cases use the official init.
  net->init_weights(rng);
  if (c.model.init_weights && !resume) {
    const auto rep = net::load_pretrained(*net, c);
    if (!c.model.pretrained.empty())
      progress.message(fmt::format("=> MODEL.PRETRAINED {}: {}", c.model.pretrained, rep.summary()));
  }
  net->to(opt.device);
  net->train();

  std::vector<Var> params;
  for (auto& [key, p] : net->named_parameters()) params.push_back(p);
  auto optimizer = make_optimizer(c, params);

  std::string last_good = "none written yet";
  int begin = c.train.begin_epoch;
  if (resume) {
    st = load_checkpoint(ckpt_path, *net, *optimizer);
    rng.set_state(st.rng);
    if (st.seed != opt.seed)
      progress.message(fmt::format("=> seed {} from the checkpoint (not {}): a resume continues its run",
                                   st.seed, opt.seed));
    begin = st.epoch;
    last_good = fmt::format("{} (epoch {}, batch {})", ckpt_path, st.epoch, st.batch);
    progress.message(fmt::format("=> resumed from {} at epoch {}, batch {}, step {}", ckpt_path, st.epoch,
                                 st.batch, st.global_step));
    log.write({{"type", "resume"}, {"epoch", st.epoch}, {"batch", st.batch}, {"global_step", st.global_step}});
    result.resumed = true;
  } else {
    log.write({{"type", "start"}, {"seed", st.seed}, {"device", std::string(device_name(opt.device))},
               {"cfg", opt.cfg_file.string()}});
  }
  // MultiStepLR's constructor steps once: build it one step behind the saved position.
  MultiStepLR scheduler(*optimizer, c.train.lr_step, c.train.lr_factor, resume ? st.lr_last_epoch - 1 : -1);

  // Data: the training set with augmentation, and the validation hook.
  data::DataLoader loader(load_records(c, /*train=*/true), sample_options(c, true),
                          loader_options(c, true, st.seed));
  HR_CHECK(loader.dataset_size() > 0, "DATASET.TRAIN_SET {} under {} has no records", c.dataset.train_set,
           c.dataset.root);
  const ValidationHook validate = opt.validate ? opt.validate : loss_accuracy_validation(c, opt.device);
  json history = json::parse(st.history.empty() ? "[]" : st.history);
  // Wall time of the whole run, validation and checkpoints included; a resumed run continues
  // from its last finished epoch's (the part of an epoch cut short by an interrupt is lost).
  const double elapsed_before =
      !history.empty() && history.back().contains("elapsed_s") ? history.back()["elapsed_s"].get<double>() : 0.0;
  const int64_t nb = loader.num_batches();
  progress.message(fmt::format("=> {} training samples, {} batches of {} per epoch, epochs {}..{}, seed {}",
                               loader.dataset_size(), nb, loader.options().batch_size, begin,
                               c.train.end_epoch - 1, st.seed));

  auto save = [&](const std::string& why) {
    st.rng = rng.state();
    st.lr_last_epoch = scheduler.last_epoch();
    st.history = history.dump();
    save_checkpoint(ckpt_path, *net, *optimizer, st);
    last_good = fmt::format("{} ({})", ckpt_path, why);
  };
  auto stop_requested = [&] { return opt.stop && opt.stop->load(); };

  for (int epoch = begin; epoch < c.train.end_epoch; ++epoch) {
    if (st.batch == 0) {
      scheduler.step();  // at the start of the epoch, as tools/train.py does
      st.loss_sum = st.loss_count = st.acc_sum = st.acc_count = 0.0;
    }
    st.epoch = epoch;
    const Clock::time_point epoch_start = Clock::now();
    AverageMeter loss_m, acc_m;
    set_meter(loss_m, st.loss_sum, st.loss_count);
    set_meter(acc_m, st.acc_sum, st.acc_count);

    net->train();
    loader.start_epoch(epoch);
    // An interrupted epoch: rebuild and drop the batches it already trained on.
    for (int64_t i = 0; i < st.batch; ++i) HR_CHECK(loader.next().has_value(), "epoch {} ended early", epoch);
    const int64_t first_batch = st.batch;
    int64_t images_here = 0;  // trained in this run of the epoch (for the epoch's images/s)

    // One batch ahead: batch t+1 is fetched and its upload started before step t is
    // enqueued, so on CUDA its copies run beside step t's kernels (engine/upload.h). data_s is
    // the time a step waited for the loader.
    Clock::time_point t_end = Clock::now();
    const auto upload = [&](const data::Batch& b) {
      return Upload::start({b.input, b.target, b.target_weight}, opt.device);
    };
    std::optional<data::Batch> batch = loader.next();
    double data_s = seconds_since(t_end);
    Upload uploaded = batch ? upload(*batch) : Upload{};
    while (batch) {
      const int64_t step = st.global_step + 1;
      const std::vector<Tensor> dev = uploaded.take();
      const Clock::time_point wait_start = Clock::now();
      std::optional<data::Batch> next = loader.next();
      const double next_data_s = seconds_since(wait_start);
      Upload next_uploaded = next ? upload(*next) : Upload{};

      const Var out = net->forward(Var(dev[0]));
      const Var loss = ops::joints_mse_loss(out, dev[1], dev[2], c.loss.use_target_weight);
      const double loss_v = loss.value().item();
      if (!std::isfinite(loss_v)) {
        current_tape().clear();
        fail("training diverged: the loss is {} at step {} (epoch {}, batch {} of {}); weights not updated. "
             "Last good checkpoint: {}",
             loss_v, step, epoch, st.batch, nb, last_good);
      }
      optimizer->zero_grad();
      loss.backward();
      if (opt.after_backward) opt.after_backward(*net, step);
      if (const std::string bad = first_bad_gradient(*net); !bad.empty())
        fail("training diverged: the gradient of {} holds NaN or Inf at step {} (epoch {}, batch {} of {}); "
             "weights not updated. Last good checkpoint: {}",
             bad, step, epoch, st.batch, nb, last_good);
      optimizer->step();

      const HeatmapAccuracy acc = heatmap_accuracy(out.value(), batch->target);
      loss_m.update(loss_v, double(batch->size()));
      acc_m.update(acc.avg, acc.count);
      st.loss_sum = loss_m.sum, st.loss_count = loss_m.count;
      st.acc_sum = acc_m.sum, st.acc_count = acc_m.count;
      const int64_t i = st.batch;  // 0-based batch index, as the official log counts
      ++st.batch;
      st.global_step = step;
      images_here += batch->size();

      const double step_s = seconds_since(t_end);
      t_end = Clock::now();
      const double epoch_s = seconds_since(epoch_start);
      const int64_t done_here = st.batch - first_batch;
      ProgressStats ps{epoch, st.batch, nb, loss_m.avg, acc_m.avg, optimizer->lr(),
                       double(batch->size()) / std::max(step_s, 1e-9),
                       epoch_s / double(done_here) * double(nb - st.batch)};
      progress.update(ps);
      if (i % c.print_freq == 0)
        log.write({{"type", "step"}, {"epoch", epoch}, {"batch", i}, {"batches", nb}, {"global_step", step},
                   {"loss", loss_v}, {"loss_avg", loss_m.avg}, {"acc", acc.avg}, {"acc_avg", acc_m.avg},
                   {"lr", optimizer->lr()}, {"images_per_s", ps.images_per_s}, {"data_s", data_s},
                   {"step_s", step_s}});
      if (stop_requested()) {
        save(fmt::format("epoch {}, batch {}", epoch, st.batch));
        progress.message(fmt::format("=> interrupted: finished step {}, saved {}; rerun with AUTO_RESUME True "
                                     "to continue from epoch {}, batch {}",
                                     step, ckpt_path, epoch, st.batch));
        log.write({{"type", "interrupt"}, {"epoch", epoch}, {"batch", st.batch}, {"global_step", step}});
        result.interrupted = true;
        result.next_epoch = epoch;
        result.global_step = st.global_step;
        result.has_best = st.has_best, result.best_metric = st.best_metric, result.metric_name = st.metric_name;
        return result;
      }
      batch = std::move(next);
      uploaded = std::move(next_uploaded);
      data_s = next_data_s;
    }
    progress.end_epoch({epoch, st.batch, nb, loss_m.avg, acc_m.avg, optimizer->lr(),
                        double(images_here) / std::max(seconds_since(epoch_start), 1e-9), 0.0});

    // Validation, then model_best and the checkpoint, as tools/train.py orders them.
    EvalResult ev;
    {
      net->eval();
      NoGradGuard no_grad;
      ev = validate(*net, epoch);
      net->train();
    }
    const bool is_best = !st.has_best || ev.metric >= st.best_metric;
    if (is_best) {
      st.has_best = true;
      st.best_metric = ev.metric;
      st.best_epoch = epoch;
      save_weights((dir / kBestFile).string(), *net,
                   {{"epoch", std::to_string(epoch)}, {ev.metric_name, fmt::format("{:.17g}", ev.metric)}});
    }
    st.metric_name = ev.metric_name;

    json rec = {{"epoch", epoch}, {"train_loss", loss_m.avg}, {"train_acc", acc_m.avg}, {"lr", optimizer->lr()}};
    for (const auto& [k, v] : ev.values) rec[k] = v;
    rec[ev.metric_name] = ev.metric;
    rec["elapsed_s"] = elapsed_before + seconds_since(run_start);
    history.push_back(rec);
    st.epoch = epoch + 1;
    st.batch = 0;
    save(fmt::format("end of epoch {}", epoch));

    json erec = rec;
    erec["type"] = "epoch";
    erec["metric_name"] = ev.metric_name;
    erec["best_metric"] = st.best_metric;
    erec["best_epoch"] = st.best_epoch;
    erec["is_best"] = is_best;
    erec["seconds"] = seconds_since(epoch_start);
    erec["global_step"] = st.global_step;
    log.write(erec);
    write_plots(dir, history, ev.metric_name);

    std::string vals;
    for (const auto& [k, v] : ev.values) vals += fmt::format(" {} {:.4f}", k, v);
    progress.message(fmt::format("=> epoch {}: train loss {:.6f} acc {:.3f} |{} | best {} {:.4f} (epoch {}){}",
                                 epoch, loss_m.avg, acc_m.avg, vals, ev.metric_name, st.best_metric,
                                 st.best_epoch, is_best ? ", saved model_best" : ""));
    if (stop_requested() && epoch + 1 < c.train.end_epoch) {
      progress.message(fmt::format("=> interrupted after epoch {}; checkpoint {}", epoch, ckpt_path));
      log.write({{"type", "interrupt"}, {"epoch", epoch + 1}, {"batch", 0}, {"global_step", st.global_step}});
      result.interrupted = true;
      result.next_epoch = epoch + 1;
      result.global_step = st.global_step;
      result.has_best = st.has_best, result.best_metric = st.best_metric, result.metric_name = st.metric_name;
      return result;
    }
  }

  save_weights((dir / kFinalFile).string(), *net, {{"epoch", std::to_string(c.train.end_epoch)}});
  progress.message(fmt::format("=> saved final model state to {}", (dir / kFinalFile).string()));
  log.write({{"type", "final"}, {"epoch", c.train.end_epoch}, {"global_step", st.global_step},
             {"best_metric", st.best_metric}, {"metric_name", st.metric_name}});
  result.next_epoch = c.train.end_epoch;
  result.global_step = st.global_step;
  result.has_best = st.has_best, result.best_metric = st.best_metric, result.metric_name = st.metric_name;
  return result;
}

}  // namespace hr::train
