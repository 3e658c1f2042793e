//! Roles of faces: the customer at the desk or the employee.
//!
//! A station assigns roles either by camera (one camera for each role) or by zones
//! in one camera's frame. A face that falls in no configured role is ignored, and
//! the session never scores or counts an employee face unless the employee has
//! opted in.

use serde::{Deserialize, Serialize};

use crate::config::{check_range, ConfigError};
use crate::face::Rect;

/// The two roles at a service desk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Client,
    Employee,
}

impl Role {
    pub const ALL: [Role; 2] = [Role::Client, Role::Employee];
}

/// Index of a camera of the station, in the order the station page opens them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CameraId(pub u32);

/// A rectangle in normalised frame coordinates: 0 to 1 across the width and down
/// the height, origin at the top-left corner.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Zone {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

impl Zone {
    /// The whole frame.
    pub const FULL_FRAME: Zone = Zone {
        x: 0.0,
        y: 0.0,
        width: 1.0,
        height: 1.0,
    };

    /// Returns whether the normalised point lies inside, counting the top and left
    /// edges in and the bottom and right edges out.
    pub fn contains(&self, x: f32, y: f32) -> bool {
        x >= self.x && x < self.x + self.width && y >= self.y && y < self.y + self.height
    }

    /// Returns whether the two zones share an area larger than zero.
    pub fn overlaps(&self, other: &Zone) -> bool {
        let width = (self.x + self.width).min(other.x + other.width) - self.x.max(other.x);
        let height = (self.y + self.height).min(other.y + other.height) - self.y.max(other.y);
        width > 0.0 && height > 0.0
    }

    fn validate(&self, field: &str) -> Result<(), ConfigError> {
        check_range(&format!("{field}.x"), self.x, 0.0..=1.0)?;
        check_range(&format!("{field}.y"), self.y, 0.0..=1.0)?;
        let width_field = format!("{field}.width");
        let height_field = format!("{field}.height");
        if !(self.width > 0.0 && self.x + self.width <= 1.0) {
            return Err(ConfigError::new(
                width_field,
                self.width,
                format!("a value above 0 and at most {} (1 - x)", 1.0 - self.x),
            ));
        }
        if !(self.height > 0.0 && self.y + self.height <= 1.0) {
            return Err(ConfigError::new(
                height_field,
                self.height,
                format!("a value above 0 and at most {} (1 - y)", 1.0 - self.y),
            ));
        }
        Ok(())
    }
}

/// Assignment of roles to faces.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "assignment", rename_all = "snake_case", deny_unknown_fields)]
pub enum RoleConfig {
    /// Every face seen by `client_camera` is a client, every face seen by
    /// `employee_camera` is the employee. A role without a camera is not counted.
    ByCamera {
        #[serde(default)]
        client_camera: Option<CameraId>,
        #[serde(default)]
        employee_camera: Option<CameraId>,
    },
    /// One camera films both roles. A face belongs to the role whose zone contains
    /// the centre of its box. Zones of different roles must not overlap.
    ByZone {
        camera: CameraId,
        #[serde(default)]
        client_zones: Vec<Zone>,
        #[serde(default)]
        employee_zones: Vec<Zone>,
    },
}

impl Default for RoleConfig {
    /// One camera, index 0, that films clients only.
    fn default() -> Self {
        Self::ByCamera {
            client_camera: Some(CameraId(0)),
            employee_camera: None,
        }
    }
}

impl RoleConfig {
    /// Checks that at least one role is configured, that the two roles do not share
    /// a camera or an area, and that every zone lies inside the frame.
    pub fn validate(&self) -> Result<(), ConfigError> {
        match self {
            Self::ByCamera {
                client_camera,
                employee_camera,
            } => {
                if client_camera.is_none() && employee_camera.is_none() {
                    return Err(ConfigError::new(
                        "roles.client_camera",
                        "null",
                        "a camera index for at least one of client_camera and employee_camera",
                    ));
                }
                if client_camera.is_some() && client_camera == employee_camera {
                    return Err(ConfigError::new(
                        "roles.employee_camera",
                        employee_camera.map_or(0, |camera| camera.0),
                        "a camera other than client_camera (use by_zone to split one camera)",
                    ));
                }
            }
            Self::ByZone {
                client_zones,
                employee_zones,
                ..
            } => {
                if client_zones.is_empty() && employee_zones.is_empty() {
                    return Err(ConfigError::new(
                        "roles.client_zones",
                        "[]",
                        "at least one zone in client_zones or employee_zones",
                    ));
                }
                for (index, zone) in client_zones.iter().enumerate() {
                    zone.validate(&format!("roles.client_zones[{index}]"))?;
                }
                for (index, zone) in employee_zones.iter().enumerate() {
                    zone.validate(&format!("roles.employee_zones[{index}]"))?;
                }
                for (client_index, client) in client_zones.iter().enumerate() {
                    for (employee_index, employee) in employee_zones.iter().enumerate() {
                        if client.overlaps(employee) {
                            return Err(ConfigError::new(
                                format!("roles.employee_zones[{employee_index}]"),
                                format!("{employee:?}"),
                                format!(
                                    "a zone that does not overlap client_zones[{client_index}]"
                                ),
                            ));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Returns the role of a face found by `camera` in a frame of the given size in
    /// pixels, or `None` when it lies outside every configured role.
    pub fn role_of(
        &self,
        camera: CameraId,
        frame_width: u32,
        frame_height: u32,
        face: &Rect,
    ) -> Option<Role> {
        match self {
            Self::ByCamera {
                client_camera,
                employee_camera,
            } => {
                if *client_camera == Some(camera) {
                    Some(Role::Client)
                } else if *employee_camera == Some(camera) {
                    Some(Role::Employee)
                } else {
                    None
                }
            }
            Self::ByZone {
                camera: zone_camera,
                client_zones,
                employee_zones,
            } => {
                if *zone_camera != camera || frame_width == 0 || frame_height == 0 {
                    return None;
                }
                let center = face.center();
                let x = center.x / frame_width as f32;
                let y = center.y / frame_height as f32;
                if client_zones.iter().any(|zone| zone.contains(x, y)) {
                    Some(Role::Client)
                } else if employee_zones.iter().any(|zone| zone.contains(x, y)) {
                    Some(Role::Employee)
                } else {
                    None
                }
            }
        }
    }

    /// Returns whether any face seen by `camera` can have `role`.
    pub fn camera_serves(&self, camera: CameraId, role: Role) -> bool {
        match self {
            Self::ByCamera {
                client_camera,
                employee_camera,
            } => match role {
                Role::Client => *client_camera == Some(camera),
                Role::Employee => *employee_camera == Some(camera),
            },
            Self::ByZone {
                camera: zone_camera,
                client_zones,
                employee_zones,
            } => {
                let zones = match role {
                    Role::Client => client_zones,
                    Role::Employee => employee_zones,
                };
                *zone_camera == camera && !zones.is_empty()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face_at(x: f32, y: f32) -> Rect {
        Rect::new(x - 10.0, y - 10.0, 20.0, 20.0)
    }

    fn split_desk() -> RoleConfig {
        RoleConfig::ByZone {
            camera: CameraId(0),
            client_zones: vec![Zone {
                x: 0.0,
                y: 0.0,
                width: 0.5,
                height: 1.0,
            }],
            employee_zones: vec![Zone {
                x: 0.6,
                y: 0.0,
                width: 0.4,
                height: 1.0,
            }],
        }
    }

    #[test]
    fn zones_assign_roles_by_face_centre() {
        let roles = split_desk();
        roles.validate().unwrap();

        assert_eq!(
            roles.role_of(CameraId(0), 640, 480, &face_at(100.0, 240.0)),
            Some(Role::Client)
        );
        assert_eq!(
            roles.role_of(CameraId(0), 640, 480, &face_at(500.0, 240.0)),
            Some(Role::Employee)
        );
    }

    #[test]
    fn face_between_zones_is_ignored() {
        let roles = split_desk();
        assert_eq!(
            roles.role_of(CameraId(0), 640, 480, &face_at(352.0, 240.0)),
            None
        );
    }

    #[test]
    fn other_camera_is_ignored_in_zone_mode() {
        let roles = split_desk();
        assert_eq!(
            roles.role_of(CameraId(1), 640, 480, &face_at(100.0, 240.0)),
            None
        );
    }

    #[test]
    fn cameras_assign_roles_one_each() {
        let roles = RoleConfig::ByCamera {
            client_camera: Some(CameraId(0)),
            employee_camera: Some(CameraId(1)),
        };
        roles.validate().unwrap();
        let face = face_at(100.0, 100.0);

        assert_eq!(
            roles.role_of(CameraId(0), 640, 480, &face),
            Some(Role::Client)
        );
        assert_eq!(
            roles.role_of(CameraId(1), 640, 480, &face),
            Some(Role::Employee)
        );
        assert_eq!(roles.role_of(CameraId(2), 640, 480, &face), None);
    }

    #[test]
    fn overlapping_zones_of_two_roles_are_rejected() {
        let roles = RoleConfig::ByZone {
            camera: CameraId(0),
            client_zones: vec![Zone::FULL_FRAME],
            employee_zones: vec![Zone {
                x: 0.5,
                y: 0.5,
                width: 0.5,
                height: 0.5,
            }],
        };
        let message = roles.validate().unwrap_err().to_string();
        assert!(message.contains("roles.employee_zones[0]"), "{message}");
        assert!(
            message.contains("does not overlap client_zones[0]"),
            "{message}"
        );
    }

    #[test]
    fn zone_outside_the_frame_is_rejected() {
        let roles = RoleConfig::ByZone {
            camera: CameraId(0),
            client_zones: vec![Zone {
                x: 0.5,
                y: 0.0,
                width: 0.7,
                height: 1.0,
            }],
            employee_zones: vec![],
        };
        let message = roles.validate().unwrap_err().to_string();
        assert!(
            message.contains("invalid roles.client_zones[0].width 0.7"),
            "{message}"
        );
    }

    #[test]
    fn one_camera_for_both_roles_is_rejected() {
        let roles = RoleConfig::ByCamera {
            client_camera: Some(CameraId(0)),
            employee_camera: Some(CameraId(0)),
        };
        let message = roles.validate().unwrap_err().to_string();
        assert!(message.contains("roles.employee_camera"), "{message}");
    }

    #[test]
    fn zone_config_parses_from_json() {
        let json = r#"{
            "assignment": "by_zone",
            "camera": 0,
            "client_zones": [{ "x": 0, "y": 0, "width": 0.5, "height": 1 }],
            "employee_zones": [{ "x": 0.6, "y": 0, "width": 0.4, "height": 1 }]
        }"#;
        let roles: RoleConfig = serde_json::from_str(json).unwrap();
        assert_eq!(roles, split_desk());
    }

    #[test]
    fn unknown_role_config_field_is_rejected() {
        let json = r#"{ "assignment": "by_camera", "client_camera": 0, "visitor_camera": 1 }"#;
        let error = serde_json::from_str::<RoleConfig>(json)
            .unwrap_err()
            .to_string();
        assert!(error.contains("unknown field `visitor_camera`"), "{error}");
    }
}
