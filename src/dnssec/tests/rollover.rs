//! The key lifecycle under a controlled clock: whole ZSK, CSK and KSK rolls, event by event,
//! with the safety rules a validator depends on checked at every step.

use super::*;

const HOUR: u64 = 3600;
const DAY: u64 = 86_400;
const START: u64 = 1_800_000_000;

/// A zone's key set and a clock, with what each key has done so far.
struct World {
    policy: KeyPolicy,
    keys: Vec<KeyInfo>,
    now: u64,
    history: Vec<History>,
    /// Keys made by `plan`'s first changes (their first signatures need no pre-publication).
    initial: usize,
    /// When the operator confirmed a DS change, and which keys it retired.
    ds_changes: Vec<u64>,
}

#[derive(Default, Clone, Copy)]
struct History {
    published: Option<u64>,
    first_zone_signature: Option<u64>,
    last_zone_signature: Option<u64>,
    cds_from: Option<u64>,
    removed: Option<u64>,
}

impl World {
    fn new(policy: KeyPolicy) -> World {
        let mut world = World {
            policy,
            keys: Vec::new(),
            now: START,
            history: Vec::new(),
            initial: 0,
            ds_changes: Vec::new(),
        };
        world.settle();
        world.initial = world.keys.len();
        world.observe();
        world
    }

    fn apply(&mut self, changes: Vec<Change>) {
        for change in changes {
            match change {
                Change::Generate { role, times } => {
                    let tag = 1000 + self.keys.len() as u16;
                    self.keys.push(KeyInfo {
                        tag,
                        flags: role.flags(),
                        times,
                    });
                    self.history.push(History::default());
                }
                Change::SetTimes { key, times } => self.keys[key].times = times,
            }
        }
    }

    /// Applies what is due until nothing is.
    fn settle(&mut self) -> Plan {
        for _ in 0..4 {
            let plan = plan(&self.keys, &self.policy, self.now);
            if plan.due.is_empty() {
                return plan;
            }
            self.apply(plan.due);
        }
        panic!("the plan never settles");
    }

    /// Plans at the current time and checks the safety rules.
    fn observe(&mut self) -> Plan {
        let plan = self.settle();
        let (now, policy) = (self.now, &self.policy);
        assert_eq!(
            plan,
            super::plan(&self.keys, policy, now),
            "planning is repeatable"
        );
        assert_eq!(
            plan.zone_signers().len(),
            1,
            "one key signs the data at {now}"
        );
        assert!(
            !plan.key_signers().is_empty(),
            "a key signs the DNSKEY RRset at {now}"
        );
        for i in 0..self.keys.len() {
            let status = plan.keys[i];
            let seen = &mut self.history[i];
            if status.signs_zone || status.signs_keys || status.cds {
                assert!(status.published, "key {i} acts unpublished at {now}");
            }
            if status.published && seen.published.is_none() {
                seen.published = Some(now);
            }
            if status.signs_zone {
                seen.first_zone_signature.get_or_insert(now);
                seen.last_zone_signature = Some(now);
                if i >= self.initial {
                    let since = now - seen.published.unwrap();
                    assert!(
                        since >= policy.publish_safety(),
                        "key {i} signs data too soon"
                    );
                }
            }
            if status.cds && seen.cds_from.is_none() {
                seen.cds_from = Some(now);
                if i >= self.initial {
                    let since = now - seen.published.unwrap();
                    assert!(since >= policy.publish_safety(), "CDS of key {i} too soon");
                }
            }
            if !status.published && seen.published.is_some() && seen.removed.is_none() {
                seen.removed = Some(now);
                if let Some(last) = seen.last_zone_signature {
                    assert!(
                        now - last >= policy.signature_safety(),
                        "key {i} left too soon"
                    );
                }
                if status.role.signs_keys() {
                    let confirmed = self
                        .ds_changes
                        .last()
                        .expect("a KSK left without a DS change");
                    assert!(
                        now - confirmed >= policy.ds_safety(),
                        "KSK {i} left too soon"
                    );
                }
            }
        }
        plan
    }

    /// Moves the clock to `until`, stopping at every event and at least every hour.
    fn run_until(&mut self, until: u64) -> Plan {
        let mut plan = self.observe();
        while self.now < until {
            let next = plan.next_event_at.unwrap_or(u64::MAX);
            self.now = next.min(self.now + HOUR).min(until);
            plan = self.observe();
        }
        plan
    }

    fn ds_seen(&mut self) {
        let changes = ds_seen(&self.keys, &self.policy, self.now).unwrap();
        self.apply(changes);
        self.ds_changes.push(self.now);
        self.observe();
    }

    fn roll(&mut self, role: Role) {
        let changes = start_roll(&self.keys, role, &self.policy, self.now).unwrap();
        self.apply(changes);
        self.observe();
    }

    fn state(&self, key: usize) -> KeyState {
        statuses(&self.keys, self.now)[key].state
    }
}

#[test]
fn a_new_zone_gets_one_csk_and_asks_the_parent_for_its_ds() {
    let mut world = World::new(KeyPolicy::default());
    assert_eq!(world.keys.len(), 1);
    assert_eq!(world.keys[0].flags, 257);
    let plan = world.observe();
    assert_eq!(plan.keys[0].role, Role::Csk);
    assert_eq!(
        (plan.publish(), plan.zone_signers(), plan.key_signers()),
        (vec![0], vec![0], vec![0])
    );
    assert_eq!(plan.cds(), [0]);
    assert_eq!(
        plan.ds_change,
        Some(DsChange {
            add: vec![0],
            remove: vec![]
        })
    );
    assert_eq!(plan.keys[0].ds, DsState::Submitted);
    // No lifetime: nothing ever happens by itself.
    assert_eq!(plan.next_event_at, None);
    assert_eq!(
        start_roll(&world.keys, Role::Csk, &world.policy, world.now),
        Err(RolloverError::AwaitingParent(world.keys[0].tag))
    );
    world.now += DAY;
    world.ds_seen();
    let plan = world.run_until(START + 400 * DAY);
    assert_eq!(plan.keys[0].ds, DsState::Seen);
    assert!(plan.cds().is_empty() && !plan.ds_change_needed());
    assert_eq!(world.keys.len(), 1);
    assert_eq!(
        ds_seen(&world.keys, &world.policy, world.now),
        Err(RolloverError::NothingSubmitted)
    );
    assert_eq!(
        start_roll(&world.keys, Role::Zsk, &world.policy, world.now),
        Err(RolloverError::NoKey(Role::Zsk))
    );
}

#[test]
fn zsks_roll_by_pre_publication_every_lifetime() {
    let mut world = World::new(KeyPolicy {
        layout: Layout::KskZsk,
        ..KeyPolicy::default()
    });
    let roles: Vec<Role> = world.observe().keys.iter().map(|k| k.role).collect();
    assert_eq!(roles, [Role::Ksk, Role::Zsk]);
    world.now += HOUR;
    world.ds_seen();
    let plan = world.run_until(START + 100 * DAY);
    // Three rolls after 30, 60 and 90 days: five keys, the KSK and the newest ZSK left.
    assert_eq!(world.keys.len(), 5);
    assert_eq!(plan.key_signers(), [0]);
    assert_eq!(plan.zone_signers(), [4]);
    assert_eq!(plan.publish(), [0, 4]);
    for old in 1..4 {
        assert_eq!(world.state(old), KeyState::Removed);
    }
    assert!(!plan.ds_change_needed());
    // Each roll: the new ZSK published at the lifetime's end, active a DNSKEY TTL plus the
    // propagation delay later, the old one gone a zone TTL plus the delay after that.
    let second = world.keys[2].times;
    assert_eq!(second.publish, Some(START + 30 * DAY));
    assert_eq!(second.activate, Some(START + 30 * DAY + 2 * HOUR));
    assert_eq!(world.keys[1].times.inactive, second.activate);
    assert_eq!(
        world.keys[1].times.delete,
        Some(START + 30 * DAY + 2 * HOUR + DAY + HOUR)
    );
    // Each ZSK's lifetime counts from its activation: the fourth became active at 90 days
    // and 6 hours (three pre-publication periods in), the next roll is 30 days later.
    assert_eq!(
        world.keys[4].times.activate,
        Some(START + 90 * DAY + 6 * HOUR)
    );
    assert_eq!(plan.next_event_at, Some(START + 120 * DAY + 6 * HOUR));
}

#[test]
fn a_csk_roll_by_command_waits_for_the_parent() {
    let mut world = World::new(KeyPolicy::default());
    world.ds_seen();
    world.run_until(START + 10 * DAY);
    world.roll(Role::Csk);
    assert_eq!(
        start_roll(&world.keys, Role::Csk, &world.policy, world.now),
        Err(RolloverError::InProgress(Role::Csk))
    );
    let plan = world.observe();
    assert_eq!(plan.keys[1].state, KeyState::Published);
    assert_eq!((plan.zone_signers(), plan.cds()), (vec![0], vec![]));
    assert!(
        !plan.ds_change_needed(),
        "no CDS before the new key is known everywhere"
    );
    // Once active, the new CSK signs the data; the old one still signs the DNSKEY RRset for the
    // resolvers whose DS names it; the parent is asked to swap.
    let plan = world.run_until(START + 10 * DAY + 2 * HOUR);
    assert_eq!(plan.zone_signers(), [1]);
    assert_eq!(plan.key_signers(), [0, 1]);
    assert_eq!(plan.cds(), [1]);
    assert_eq!(
        plan.ds_change,
        Some(DsChange {
            add: vec![1],
            remove: vec![0]
        })
    );
    // The parent takes five days; nothing moves meanwhile.
    let plan = world.run_until(START + 15 * DAY);
    assert!(plan.ds_change_needed());
    assert_eq!(plan.keys[0].state, KeyState::Active);
    world.ds_seen();
    let plan = world.observe();
    assert!(!plan.ds_change_needed() && plan.cds().is_empty());
    assert_eq!(plan.keys[1].ds, DsState::Seen);
    // The old key leaves after the parent's DS TTL plus the propagation delay.
    let leaves = START + 15 * DAY + DAY + HOUR;
    assert_eq!(world.keys[0].times.delete, Some(leaves));
    let plan = world.run_until(leaves);
    assert_eq!(plan.publish(), [1]);
    assert_eq!(plan.keys[0].state, KeyState::Removed);
    world.run_until(START + 60 * DAY);
    assert_eq!(world.keys.len(), 2);
}

#[test]
fn a_csk_with_a_lifetime_rolls_by_itself_and_a_quick_parent_does_not_cut_it_short() {
    let mut world = World::new(KeyPolicy {
        csk_lifetime: Some(20 * DAY),
        max_zone_ttl: 3 * 86_400,
        parent_ds_ttl: 3600,
        ..KeyPolicy::default()
    });
    world.ds_seen();
    let plan = world.run_until(START + 20 * DAY + 2 * HOUR);
    assert_eq!(world.keys.len(), 2);
    assert!(plan.ds_change_needed());
    world.ds_seen();
    // The old CSK signed data until the new one took over; with a 3-day zone TTL it stays
    // published that long even though the parent's DS TTL is one hour.
    assert_eq!(
        world.keys[0].times.delete,
        Some(START + 20 * DAY + 2 * HOUR + 3 * DAY + HOUR)
    );
    world.run_until(START + 45 * DAY);
    assert_eq!(
        world.keys.len(),
        3,
        "the second CSK rolled 20 days after it became active"
    );
}

#[test]
fn a_ksk_roll_by_command_leaves_the_zsk_alone() {
    let mut world = World::new(KeyPolicy {
        layout: Layout::KskZsk,
        zsk_lifetime: None,
        ..KeyPolicy::default()
    });
    world.ds_seen();
    world.run_until(START + 5 * DAY);
    world.roll(Role::Ksk);
    let plan = world.run_until(START + 6 * DAY);
    assert_eq!(plan.keys[2].role, Role::Ksk);
    assert_eq!(plan.zone_signers(), [1]);
    assert_eq!(plan.key_signers(), [0, 2]);
    assert_eq!(
        plan.ds_change,
        Some(DsChange {
            add: vec![2],
            remove: vec![0]
        })
    );
    world.ds_seen();
    let plan = world.run_until(START + 10 * DAY);
    assert_eq!(plan.publish(), [1, 2]);
    assert_eq!(plan.key_signers(), [2]);
    assert_eq!(
        start_roll(&world.keys, Role::Csk, &world.policy, world.now),
        Err(RolloverError::NoKey(Role::Csk))
    );
}

#[test]
fn keys_without_times_are_published_and_active_and_never_rolled_automatically() {
    let keys = [
        KeyInfo {
            tag: 1,
            flags: 257,
            times: KeyTimes::default(),
        },
        KeyInfo {
            tag: 2,
            flags: 256,
            times: KeyTimes::default(),
        },
    ];
    let plan = plan(&keys, &KeyPolicy::default(), START);
    assert!(plan.due.is_empty());
    assert_eq!(
        (plan.zone_signers(), plan.key_signers()),
        (vec![1], vec![0])
    );
    assert_eq!(plan.keys[0].ds, DsState::Unconfirmed);
    assert!(!plan.ds_change_needed());
    assert_eq!(plan.next_event_at, None);
}

#[test]
fn a_missing_kind_of_key_is_made() {
    // Only a ZSK is left (the KSK files were deleted): a KSK is made, its DS asked for.
    let zsk = KeyInfo {
        tag: 2,
        flags: 256,
        times: KeyTimes {
            created: Some(START),
            publish: Some(START),
            activate: Some(START),
            ..KeyTimes::default()
        },
    };
    let plan = plan(&[zsk], &KeyPolicy::default(), START + DAY);
    assert_eq!(plan.due.len(), 1);
    assert!(
        matches!(plan.due[0], Change::Generate { role: Role::Ksk, times } if times.sync_publish == Some(START + DAY))
    );
}

#[test]
fn keys_added_by_hand_fill_a_gap_and_a_zsk_beside_a_csk_is_pre_published() {
    let mut world = World::new(KeyPolicy {
        zsk_lifetime: None,
        ..KeyPolicy::default()
    });
    world.ds_seen();
    let csk = world.keys[0].tag;
    let refused = |world: &World, role| add_key(&world.keys, role, &world.policy, world.now);
    assert_eq!(
        refused(&world, Role::Csk),
        Err(RolloverError::Exists(Role::Csk, csk))
    );
    assert_eq!(
        refused(&world, Role::Ksk),
        Err(RolloverError::Exists(Role::Ksk, csk))
    );
    let zsk = add_key(&world.keys, Role::Zsk, &world.policy, world.now).unwrap();
    world.apply(vec![zsk]);
    let plan = world.observe();
    assert_eq!(
        (plan.keys[0].role, plan.keys[1].state),
        (Role::Csk, KeyState::Published)
    );
    assert_eq!(plan.zone_signers(), [0]);
    // Once the ZSK is active the CSK is a KSK, and no DS change is needed.
    let plan = world.run_until(START + 2 * HOUR);
    assert_eq!(
        (plan.keys[0].role, plan.keys[1].role),
        (Role::Ksk, Role::Zsk)
    );
    assert_eq!(
        (plan.zone_signers(), plan.key_signers()),
        (vec![1], vec![0])
    );
    assert!(!plan.ds_change_needed());
    let zsk_tag = world.keys[1].tag;
    assert_eq!(
        refused(&world, Role::Zsk),
        Err(RolloverError::Exists(Role::Zsk, zsk_tag))
    );
    assert_eq!(
        refused(&world, Role::Csk),
        Err(RolloverError::CskBesideZsk(zsk_tag))
    );
    // On an empty zone a key of any role is active at once.
    let Ok(Change::Generate { times, .. }) = add_key(&[], Role::Zsk, &world.policy, START) else {
        panic!("a ZSK for an empty zone");
    };
    assert_eq!((times.activate, times.sync_publish), (Some(START), None));
}
