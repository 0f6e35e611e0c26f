//! Network impairment inside a synthetic peer (`viva load --loss --jitter --reorder`): each
//! RTP packet, in either direction, is lost, delayed or held back so that later ones overtake
//! it, by a seeded random draw, so a run repeats with the same seed. The fates are drawn here
//! and nowhere else; [`delay_line`] applies them to a stream of packets.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// How long a reordered packet is held back: two 20 ms packets overtake it, within Viva's
/// jitter window (3 packets).
pub const REORDER_HOLD: Duration = Duration::from_millis(40);
/// Packets waiting in one delay line at most; beyond it a packet is dropped (a full queue).
const LINE_CAPACITY: usize = 512;

/// What the run asks of the network between peer and server.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Impairment {
    /// Fraction of packets lost (0–1).
    pub loss: f64,
    /// Each packet is delayed by a uniform random 0 to this.
    pub jitter: Duration,
    /// Fraction of packets (0–1) held back by [`REORDER_HOLD`].
    pub reorder: f64,
    /// Seed of the draws; peer and direction are mixed in.
    pub seed: u64,
}

/// Which way a packet goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Candidate → server.
    Outbound,
    /// Server → candidate.
    Inbound,
}

/// One packet's fate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Never arrives.
    Lost,
    /// Arrives this much later than sent.
    Delayed(Duration),
}

impl Impairment {
    /// Whether any packet would be touched.
    pub fn is_active(&self) -> bool {
        self.loss > 0.0 || self.reorder > 0.0 || !self.jitter.is_zero()
    }

    /// The draws for one peer's packets in one direction: the same seed, peer and direction
    /// give the same fates.
    pub fn for_peer(&self, peer: usize, direction: Direction) -> Impairer {
        let lane = (peer as u64) << 1 | u64::from(direction == Direction::Inbound);
        let seed = self
            .seed
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .wrapping_add(lane);
        Impairer {
            impairment: *self,
            rng: StdRng::seed_from_u64(seed),
        }
    }
}

/// Draws fates for one stream of packets.
#[derive(Debug)]
pub struct Impairer {
    impairment: Impairment,
    rng: StdRng,
}

impl Impairer {
    /// The next packet's fate.
    pub fn fate(&mut self) -> Fate {
        let Impairment {
            loss,
            jitter,
            reorder,
            ..
        } = self.impairment;
        if loss > 0.0 && self.rng.random_bool(loss.min(1.0)) {
            return Fate::Lost;
        }
        let mut delay = if jitter.is_zero() {
            Duration::ZERO
        } else {
            jitter.mul_f64(self.rng.random::<f64>())
        };
        if reorder > 0.0 && self.rng.random_bool(reorder.min(1.0)) {
            delay += REORDER_HOLD;
        }
        Fate::Delayed(delay)
    }
}

/// A task that passes each packet sent into the returned channel to `deliver` after its fate's
/// delay, or never. Packets due at the same instant keep their order. It ends when the sender
/// is dropped (packets still held are dropped with it).
pub fn delay_line<T, F, Fut>(mut impairer: Impairer, mut deliver: F) -> mpsc::Sender<T>
where
    T: Send + 'static,
    F: FnMut(T) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let (tx, mut rx) = mpsc::channel::<T>(LINE_CAPACITY);
    tokio::spawn(async move {
        let mut held: BTreeMap<(Instant, u64), T> = BTreeMap::new();
        let mut order = 0u64;
        loop {
            let next_due = held.first_key_value().map(|(&(at, _), _)| at);
            tokio::select! {
                packet = rx.recv() => {
                    let Some(packet) = packet else { break };
                    match impairer.fate() {
                        Fate::Lost => {}
                        Fate::Delayed(delay) if delay.is_zero() && held.is_empty() => {
                            deliver(packet).await;
                        }
                        Fate::Delayed(delay) => {
                            order += 1;
                            held.insert((Instant::now() + delay, order), packet);
                        }
                    }
                }
                _ = tokio::time::sleep_until(next_due.unwrap_or_else(Instant::now)), if next_due.is_some() => {
                    let now = Instant::now();
                    while let Some(entry) = held.first_entry() {
                        if entry.key().0 > now {
                            break;
                        }
                        deliver(entry.remove()).await;
                    }
                }
            }
        }
    });
    tx
}

/// Parses a fraction given as a percentage (`5%`) or a plain fraction (`0.05`).
pub fn parse_fraction(text: &str) -> Result<f64, String> {
    let text = text.trim();
    let value = match text.strip_suffix('%') {
        Some(percent) => percent.trim().parse::<f64>().map(|p| p / 100.0),
        None => text.parse::<f64>(),
    }
    .map_err(|_| {
        format!("expected a percentage such as 5% or a fraction such as 0.05, got {text:?}")
    })?;
    if !(0.0..=1.0).contains(&value) {
        return Err(format!("must be between 0% and 100%: {text:?}"));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fates(impairment: Impairment, peer: usize, n: usize) -> Vec<Fate> {
        let mut impairer = impairment.for_peer(peer, Direction::Outbound);
        (0..n).map(|_| impairer.fate()).collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_fates_and_peers_differ() {
        let impairment = Impairment {
            loss: 0.05,
            jitter: Duration::from_millis(30),
            reorder: 0.01,
            seed: 7,
        };
        assert_eq!(fates(impairment, 3, 500), fates(impairment, 3, 500));
        assert_ne!(fates(impairment, 3, 500), fates(impairment, 4, 500));
        let mut inbound = impairment.for_peer(3, Direction::Inbound);
        let inbound: Vec<Fate> = (0..500).map(|_| inbound.fate()).collect();
        assert_ne!(fates(impairment, 3, 500), inbound);
    }

    #[test]
    fn loss_reorder_and_jitter_come_at_the_asked_rates() {
        let impairment = Impairment {
            loss: 0.05,
            jitter: Duration::from_millis(30),
            reorder: 0.01,
            seed: 1,
        };
        let all = fates(impairment, 0, 100_000);
        let lost = all.iter().filter(|f| **f == Fate::Lost).count() as f64 / 1e5;
        assert!((0.045..0.055).contains(&lost), "loss {lost}");
        let delays: Vec<Duration> = all
            .iter()
            .filter_map(|f| match f {
                Fate::Delayed(d) => Some(*d),
                Fate::Lost => None,
            })
            .collect();
        let held = delays.iter().filter(|d| **d >= REORDER_HOLD).count() as f64;
        let held = held / delays.len() as f64;
        assert!((0.008..0.012).contains(&held), "reorder {held}");
        let plain: Vec<_> = delays.iter().filter(|d| **d < REORDER_HOLD).collect();
        let mean_ms = plain.iter().map(|d| d.as_secs_f64()).sum::<f64>() / plain.len() as f64 * 1e3;
        assert!(
            (14.0..16.0).contains(&mean_ms),
            "mean jitter delay {mean_ms} ms"
        );
        assert!(plain.iter().all(|d| **d <= Duration::from_millis(30)));
    }

    #[test]
    fn no_impairment_touches_nothing() {
        let none = Impairment::default();
        assert!(!none.is_active());
        assert!(
            fates(none, 0, 1000)
                .iter()
                .all(|f| *f == Fate::Delayed(Duration::ZERO))
        );
    }

    #[test]
    fn fractions_parse_as_percentages_or_plain() {
        assert_eq!(parse_fraction("5%"), Ok(0.05));
        assert_eq!(parse_fraction("0.25"), Ok(0.25));
        assert_eq!(parse_fraction(" 1 %"), Ok(0.01));
        assert!(parse_fraction("150%").is_err());
        assert!(parse_fraction("-1").is_err());
        assert!(parse_fraction("lots").is_err());
    }

    #[tokio::test]
    async fn a_delay_line_delivers_late_packets_after_the_ones_that_overtook_them() {
        let impairment = Impairment {
            reorder: 0.3,
            jitter: Duration::from_millis(10),
            seed: 11,
            ..Impairment::default()
        };
        let (out_tx, mut out_rx) = mpsc::channel(1000);
        let line = delay_line(impairment.for_peer(0, Direction::Inbound), move |n: u32| {
            let out_tx = out_tx.clone();
            async move {
                let _ = out_tx.send(n).await;
            }
        });
        for n in 0..200u32 {
            line.send(n).await.unwrap();
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        drop(line);
        let mut got = Vec::new();
        while let Ok(n) = out_rx.try_recv() {
            got.push(n);
        }
        let mut sorted = got.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..200).collect::<Vec<_>>(), "nothing lost");
        let overtaken = got.windows(2).filter(|w| w[0] > w[1]).count();
        assert!(overtaken > 20, "only {overtaken} reorders: {got:?}");
    }
}
